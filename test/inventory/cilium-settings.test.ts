/**
 * The Cilium version and Helm value overrides, in the mesh file and in cluster files.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { renderMesh } from '../../lib/mesh-manifests';
import { TESTED_CILIUM_PATCHES } from '../../lib/model/cilium-versions';
import { editFile, exampleInventory, InventoryFiles, loadFiles, withFile, exampleSecrets } from '../support/inventory-fixture';
import { PROJECT_ROOT } from '../support/paths';
import { expectNoErrors, expectProblem, lineOf, lineOfAfter } from './expect-problem';

const example = exampleInventory();

describe('cilium.version', () => {
  it.each(['1.17.0', '1.21.0', '2.0', 'latest'])('must be a release of a supported line: refuses %s', (version) => {
    const files = editFile(example, 'mesh.yaml', (m) => {
      m.cilium.version = version;
    });
    expectProblem(loadFiles(files), {
      file: 'clusters/mesh.yaml',
      field: 'cilium.version',
      line: lineOf(files['mesh.yaml'], 'version:'),
      message: /has the wrong form/,
      fix: /a release of the 1\.18, 1\.19 or 1\.20 line/,
    });
  });

  it.each(Object.values(TESTED_CILIUM_PATCHES))('accepts the tested patch %s without a word', (version) => {
    const result = loadFiles(editFile(example, 'mesh.yaml', (m) => (m.cilium.version = version)));
    expectNoErrors(result);
    expect(result.problems.filter((p) => p.field === 'cilium.version')).toEqual([]);
  });

  it.each(Object.entries(TESTED_CILIUM_PATCHES))('takes a line alone (%s) as its tested patch (%s)', (line, tested) => {
    const result = loadFiles(editFile(example, 'mesh.yaml', (m) => (m.cilium.version = line)));
    expect(result.mesh?.cilium.version).toBe(tested);
    expect(result.problems.filter((p) => p.field === 'cilium.version')).toEqual([]);
  });

  it('renders another patch of a supported line, with a warning naming the tested one', () => {
    const result = loadFiles(editFile(example, 'mesh.yaml', (m) => (m.cilium.version = '1.19.7')));
    expect(result.mesh?.cilium.version).toBe('1.19.7');
    const warnings = result.problems.filter((p) => p.field === 'cilium.version');
    expect(warnings.map((p) => [p.severity, p.message])).toEqual([['warning', '1.19.7 is not the tested patch of Cilium 1.19 (1.19.6, which the chart conformance tests render)']]);
    const chart = renderMesh(result.mesh!, exampleSecrets()).find((f) => f.path === 'k3scl1/02-cilium/cilium-helm-chart.yaml')!.content;
    expect(chart).toMatch(/^  version: 1\.19\.7$/m);
  });

  it('offers editors the tested patches and the supported lines the facts know', () => {
    const version = JSON.parse(readFileSync(join(PROJECT_ROOT, 'schema', 'mesh.schema.json'), 'utf8')).properties.cilium.properties.version;
    expect(version.examples).toEqual(Object.values(TESTED_CILIUM_PATCHES));
    const lines = Object.keys(TESTED_CILIUM_PATCHES).map((l) => l.split('.')[1]);
    expect(version.pattern).toBe(`^1\\.(${lines.join('|')})(\\.[0-9]+)?$`);
  });

  it('written as a number tells to quote it, once', () => {
    const text = example['mesh.yaml'].replace('version: "1.19.6"', 'version: 1.20');
    expect(text).toContain('version: 1.20\n');
    const problem = expectProblem(loadFiles(withFile(example, 'mesh.yaml', text)), {
      file: 'clusters/mesh.yaml',
      field: 'cilium.version',
      line: lineOf(text, 'version: 1.20'),
      message: /must be a string/,
      fix: /a release of the 1\.18, 1\.19 or 1\.20 line/,
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
      ['clustermesh.apiserver.service.externalTrafficPolicy', 'Cluster', /meshEndpoint\.externalTrafficPolicy/],
      ['clustermesh.apiserver.service.type', 'LoadBalancer', /set meshEndpoint\.type/],
      ['clustermesh.apiserver.service.loadBalancerIP', '172.17.30.9', /set meshEndpoint\.loadBalancerIP/],
      ['clustermesh.apiserver.tls.auto.server.extraDnsNames', ['mesh.example.com'], /meshEndpoint\.address/],
      ['encryption.type', 'ipsec', /set cilium\.encryption in the mesh file: every cluster of a mesh must encrypt the same way/],
      ['encryption.enabled', false, /Cilium supports no mixed mode/],
      ['hubble.relay.enabled', true, /set cilium\.hubble in the mesh file/],
      ['hubble.tls.auto.method', 'helm', /issued from the mesh CA by the chart's certgen job/],
      ['certgen.generateCA', true, /issued from the mesh CA/],
      ['hubble.relay.tls.client.cert', 'LS0tLS1CRUdJTi', /certgen issues them from the mesh CA/],
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
      const { files } = withHelmValues(where, { hubble: { relay: { replicas: 2 } }, encryption: { wireguard: { persistentKeepalive: '25s' } }, kubeProxyReplacement: true });
      expectNoErrors(loadFiles(files));
    });
  });
});

describe('cilium.certificates', () => {
  it('defaults to certificates the certgen CronJob renews, on a schedule set for every version', () => {
    const mesh = loadFiles(editFile(example, 'mesh.yaml', (m) => delete m.cilium.certificates)).mesh!;
    expect(mesh.cilium.certificates).toEqual({ method: 'cronJob', schedule: '0 0 1 */4 *', validityDays: undefined });
  });

  it('needs an issuerRef with method certmanager (the chart fails without certManagerIssuerRef)', () => {
    const files = editFile(example, 'mesh.yaml', (m) => (m.cilium.certificates = { method: 'certmanager' }));
    expectProblem(loadFiles(files), {
      file: 'clusters/mesh.yaml',
      field: 'cilium.certificates',
      // A mapping's problems point at its first line.
      line: lineOf(files['mesh.yaml'], 'method: certmanager'),
      message: /method certmanager needs 'issuerRef'/,
      fix: /add issuerRef: \{ name: <issuer>/,
    });
  });

  it.each([
    ['schedule', { method: 'helm', schedule: '0 0 * * *' }, 'schedule:', /only used with method cronJob \(method is helm\)/],
    ['issuerRef', { method: 'cronJob', issuerRef: { name: 'x' } }, 'name: x', /only used with method certmanager \(method is cronJob\)/],
  ])('refuses %s with a method that does not use it', (field, certificates, at, message) => {
    const files = editFile(example, 'mesh.yaml', (m) => (m.cilium.certificates = certificates));
    expectProblem(loadFiles(files), { file: 'clusters/mesh.yaml', field: `cilium.certificates.${field}`, line: lineOf(files['mesh.yaml'], at), message, fix: /remove it, or set method/ });
  });

  it('refuses the chart values it owns in helmValues, naming cilium.certificates', () => {
    const files = editFile(example, 'mesh.yaml', (m) => (m.cilium.helmValues = { clustermesh: { apiserver: { tls: { auto: { method: 'helm' } } } } }));
    expectProblem(loadFiles(files), {
      file: 'clusters/mesh.yaml',
      field: 'cilium.helmValues.clustermesh.apiserver.tls.auto.method',
      line: lineOfAfter(files['mesh.yaml'], 'helmValues:', 'method:'),
      message: /is set by the inventory/,
      fix: /set cilium.certificates/,
    });
  });
});
