/**
 * The Cilium version and Helm value overrides, in the mesh file and in cluster files.
 */
import { editFile, exampleInventory, InventoryFiles, loadFiles, withFile } from '../support/inventory-fixture';
import { expectNoErrors, expectProblem, lineOf, lineOfAfter } from './expect-problem';

const example = exampleInventory();

describe('cilium.version', () => {
  it('must be a supported release', () => {
    const files = editFile(example, 'mesh.yaml', (m) => {
      m.cilium.version = '1.17.0';
    });
    expectProblem(loadFiles(files), {
      file: 'clusters/mesh.yaml',
      field: 'cilium.version',
      line: lineOf(files['mesh.yaml'], 'version:'),
      message: /must be one of "1\.18\.12", "1\.19\.6", "1\.20\.0", not "1\.17\.0"/,
      fix: /one of 1\.18\.12, 1\.19\.6, 1\.20\.0/,
    });
  });

  it.each(['1.18.12', '1.19.6', '1.20.0'])('accepts %s', (version) => {
    expectNoErrors(loadFiles(editFile(example, 'mesh.yaml', (m) => (m.cilium.version = version))));
  });

  it('written as a number tells to quote it, once', () => {
    const text = example['mesh.yaml'].replace('version: "1.19.6"', 'version: 1.20');
    expect(text).toContain('version: 1.20\n');
    const problem = expectProblem(loadFiles(withFile(example, 'mesh.yaml', text)), {
      file: 'clusters/mesh.yaml',
      field: 'cilium.version',
      line: lineOf(text, 'version: 1.20'),
      message: /must be a string/,
      fix: /one of 1\.18\.12, 1\.19\.6, 1\.20\.0/,
    });
    // It quotes what the user wrote (1.20), not only what YAML made of it (1.2).
    expect(problem.message).toMatch(/YAML reads 1\.20 as the number 1\.2: put it in quotes/);
  });
});

type Where = 'mesh' | 'cluster';

/** The example with helmValues set in the mesh file or in k3scl2.yaml. */
function withHelmValues(where: Where, values: Record<string, unknown>): { files: InventoryFiles; file: string; prefix: string } {
  if (where === 'mesh') {
    const files = editFile(example, 'mesh.yaml', (m) => (m.cilium.helmValues = values));
    return { files, file: 'mesh.yaml', prefix: 'cilium.helmValues' };
  }
  const files = editFile(example, 'k3scl2.yaml', (c) => (c.helmValues = values));
  return { files, file: 'k3scl2.yaml', prefix: 'helmValues' };
}

/** `a.b.c` with value v as a nested mapping. */
function nested(path: string, value: unknown): Record<string, unknown> {
  return path
    .split('.')
    .reverse()
    .reduce<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;
}

describe('Helm value overrides', () => {
  const removed: [string, unknown, RegExp][] = [
    ['tunnel', 'vxlan', /set routing in the mesh file \(mode: tunnel/],
    ['etcd.managed', true, /managed etcd mode no longer exists/],
    ['containerRuntime.integration', 'containerd', /delete this key/],
    ['kubeProxyReplacement', 'strict', /only true or false/],
    ['kubeProxyReplacement', 'partial', /only true or false/],
    ['kubeProxyReplacement', 'probe', /only true or false/],
    ['kubeProxyReplacement', 'disabled', /only true or false/],
    ['clustermesh.apiserver.tls.server.cert', 'LS0tLS1CRUdJTi', /generates them from the mesh CA/],
  ];

  describe.each<Where>(['mesh', 'cluster'])('in the %s file', (where) => {
    it.each(removed)('refuse the removed key %s: %p', (path, value, fix) => {
      const { files, file, prefix } = withHelmValues(where, nested(path, value));
      const lastKey = path.split('.').pop()!;
      expectProblem(loadFiles(files), {
        file: `clusters/${file}`,
        field: `${prefix}.${path}`,
        line: lineOfAfter(files[file], 'helmValues:', new RegExp(`^\\s+${lastKey}:`)),
        message: /is not accepted by the supported Cilium charts/,
        fix,
      });
    });

    it.each([
      ['cluster.id', 7, /set the cluster's `id` instead/],
      ['ipam.operator.clusterPoolIPv4PodCIDRList', ['10.99.0.0/16'], /set the cluster's `podCidr` instead/],
      ['clustermesh.apiserver.tls.authMode', 'legacy', /set cilium\.authMode in the mesh file/],
      ['clustermesh.apiserver.service.externalTrafficPolicy', 'Cluster', /delete this key/],
    ])('refuse overriding %s, which the inventory owns', (path, value, fix) => {
      const { files, file, prefix } = withHelmValues(where, nested(path, value));
      const lastKey = path.split('.').pop()!;
      expectProblem(loadFiles(files), {
        file: `clusters/${file}`,
        field: `${prefix}.${path}`,
        line: lineOfAfter(files[file], 'helmValues:', new RegExp(`^\\s+${lastKey}:`)),
        message: /is set by the inventory and cannot be overridden/,
        fix,
      });
    });

    it.each([
      ['cluster', 'x', /cluster\.name, cluster\.id/],
      ['clustermesh', false, /clustermesh\.maxConnectedClusters, clustermesh\.config, clustermesh\.useAPIServer/],
      ['clustermesh.apiserver', ['a'], /clustermesh\.apiserver\.kvstoremesh\.enabled, clustermesh\.apiserver\.tls\.authMode/],
      ['ipam', null, /ipam\.operator\.clusterPoolIPv4PodCIDRList/],
      ['ipam.operator', 3, /ipam\.operator\.clusterPoolIPv4PodCIDRList/],
    ])('refuse a scalar, list or null at %s, which would replace keys the inventory owns', (path, value, owned) => {
      const { files, file, prefix } = withHelmValues(where, nested(path, value));
      const lastKey = path.split('.').pop()!;
      expectProblem(loadFiles(files), {
        file: `clusters/${file}`,
        field: `${prefix}.${path}`,
        line: lineOfAfter(files[file], 'helmValues:', new RegExp(`^\\s+${lastKey}:`)),
        message: owned,
        fix: new RegExp(`write ${path.replace('.', '\\.')} as a mapping`),
      });
    });

    it('accept other values, and kubeProxyReplacement true', () => {
      const { files } = withHelmValues(where, { hubble: { relay: { enabled: true } }, kubeProxyReplacement: true });
      expectNoErrors(loadFiles(files));
    });
  });
});
