/**
 * Cluster names, ids and mesh endpoint NodePorts: each test breaks one thing in
 * the bundled example and checks the one problem it causes.
 */
import { syntheticInventory } from '../../bench/synthetic-inventory';
import { editFile, exampleInventory, InventoryFiles, loadFiles, meshOf, withFile } from '../support/inventory-fixture';
import { meshNodePortOf } from '../../lib/model/mesh';
import { expectNoErrors, expectProblem, expectProblems, lineOf } from './expect-problem';

const example = exampleInventory();

/** The example with k3scl3.yaml's name changed (k3scl3 is not referenced by services or policies). */
function renameK3scl3(name: string): InventoryFiles {
  return editFile(example, 'k3scl3.yaml', (c) => {
    c.name = name;
  });
}

describe('the bundled example', () => {
  it('loads without errors', () => {
    const result = loadFiles(example);
    expectNoErrors(result);
    expect(result.mesh?.clusters.map((c) => c.name)).toEqual(['k3scl1', 'k3scl2', 'k3scl3']);
  });
});

describe('cluster name', () => {
  it('is refused when longer than 32 characters', () => {
    const name = 'k3scl3-' + 'a'.repeat(26);
    expect(name).toHaveLength(33);
    const files = renameK3scl3(name);
    expectProblem(loadFiles(files), {
      file: 'clusters/k3scl3.yaml',
      field: 'name',
      line: lineOf(files['k3scl3.yaml'], 'name:'),
      message: /too long \(33 characters, at most 32 allowed\)/,
      fix: /at most 32 characters/,
    });
  });

  it('is refused in upper case', () => {
    const files = renameK3scl3('K3scl3');
    expectProblem(loadFiles(files), {
      file: 'clusters/k3scl3.yaml',
      field: 'name',
      line: lineOf(files['k3scl3.yaml'], 'name:'),
      message: /"K3scl3" has the wrong form/,
      fix: /lower-case letters, digits and '-'/,
    });
  });

  it.each(['-k3scl3', 'k3scl3-'])('is refused with a leading or trailing dash: %s', (name) => {
    const files = renameK3scl3(name);
    expectProblem(loadFiles(files), {
      file: 'clusters/k3scl3.yaml',
      field: 'name',
      line: lineOf(files['k3scl3.yaml'], 'name:'),
      message: new RegExp(`"${name}" has the wrong form`),
      fix: /starting and ending with a letter or digit/,
    });
  });

  it("is refused when it is 'default' (reserved by Cilium)", () => {
    const renamed = renameK3scl3('default')['k3scl3.yaml'];
    const files = withFile(withFile(example, 'k3scl3.yaml', undefined), 'default.yaml', renamed);
    expectProblem(loadFiles(files), {
      file: 'clusters/default.yaml',
      field: 'name',
      line: lineOf(renamed, 'name:'),
      message: /'default' is reserved for Cilium, for clusters without an id/,
      fix: /choose another name/,
    });
  });

  it.each([
    ['bootstrap', /each cluster's bootstrap folder/],
    ['argocd', /the Argo CD entry point \(dist\/argocd\/\)/],
    ['flux', /each cluster's Flux entry point/],
    ['readme', /the overview of the mesh \(dist\/README\.md\)/],
  ])("is refused when it is '%s' (a name dist/ uses beside or inside the cluster folders)", (name, purpose) => {
    const renamed = renameK3scl3(name)[`k3scl3.yaml`];
    const files = withFile(withFile(example, 'k3scl3.yaml', undefined), `${name}.yaml`, renamed);
    expectProblem(loadFiles(files), {
      file: `clusters/${name}.yaml`,
      field: 'name',
      line: lineOf(renamed, 'name:'),
      message: new RegExp(`'${name}' is reserved for ${purpose.source}`),
      fix: /choose another name/,
    });
  });

  it('is refused when two files declare the same name', () => {
    const files = editFile(example, 'k3scl2.yaml', (c) => {
      c.name = 'k3scl1';
    });
    const line = lineOf(files['k3scl2.yaml'], 'name:');
    expectProblems(loadFiles(files), [
      {
        file: 'clusters/k3scl2.yaml',
        field: 'name',
        line,
        message: /'k3scl1' is already the name of the cluster in clusters\/k3scl1\.yaml/,
        fix: /unique name/,
      },
      // k3scl2.yaml cannot be named k3scl1 either; no other file is blamed.
      { file: 'clusters/k3scl2.yaml', field: 'name', line, message: /differs from the file name 'k3scl2\.yaml'/, fix: /rename the file/ },
    ]);
  });

  it('is refused when it differs from the file name', () => {
    const files = renameK3scl3('k3scl9');
    expectProblem(loadFiles(files), {
      file: 'clusters/k3scl3.yaml',
      field: 'name',
      line: lineOf(files['k3scl3.yaml'], 'name:'),
      message: /'k3scl9' differs from the file name 'k3scl3\.yaml'/,
      fix: /rename the file to k3scl9\.yaml, or set name: k3scl3/,
    });
  });
});

describe('cluster id', () => {
  function withId(file: string, id: number, maxConnectedClusters?: 255 | 511): InventoryFiles {
    const files = editFile(example, file, (c) => {
      c.id = id;
    });
    if (maxConnectedClusters === undefined) return files;
    return editFile(files, 'mesh.yaml', (m) => {
      m.cilium.maxConnectedClusters = maxConnectedClusters;
    });
  }

  it('is refused when another cluster has it', () => {
    const files = withId('k3scl2.yaml', 1);
    expectProblem(loadFiles(files), {
      file: 'clusters/k3scl2.yaml',
      field: 'id',
      line: lineOf(files['k3scl2.yaml'], 'id:'),
      message: /1 is already the id of k3scl1 \(clusters\/k3scl1\.yaml\)/,
      fix: /choose an id no other cluster uses, e\.g\. 2/,
    });
  });

  it('is refused when 0', () => {
    const files = withId('k3scl3.yaml', 0);
    expectProblem(loadFiles(files), {
      file: 'clusters/k3scl3.yaml',
      field: 'id',
      line: lineOf(files['k3scl3.yaml'], 'id:'),
      message: /0 must be >= 1/,
      fix: /1\.\.255/,
    });
  });

  it('is refused at 256 with maxConnectedClusters 255', () => {
    const files = withId('k3scl3.yaml', 256, 255);
    expectProblem(loadFiles(files), {
      file: 'clusters/k3scl3.yaml',
      field: 'id',
      line: lineOf(files['k3scl3.yaml'], 'id:'),
      message: /256 is above 255, the largest id with cilium\.maxConnectedClusters 255/,
      fix: /set cilium\.maxConnectedClusters: 511 in the mesh file/,
    });
  });

  it('accepts 256 to 511 with maxConnectedClusters 511', () => {
    const files = editFile(withId('k3scl3.yaml', 256, 511), 'k3scl2.yaml', (c) => {
      c.id = 511;
    });
    const result = loadFiles(files);
    expectNoErrors(result);
    expect(result.mesh?.clusters.map((c) => c.id)).toEqual([1, 511, 256]);
  });

  it('is refused at 512 even with maxConnectedClusters 511', () => {
    const files = withId('k3scl3.yaml', 512, 511);
    expectProblem(loadFiles(files), {
      file: 'clusters/k3scl3.yaml',
      field: 'id',
      line: lineOf(files['k3scl3.yaml'], 'id:'),
      message: /512 must be <= 511/,
      fix: /1\.\.511/,
    });
  });
});

describe('mesh endpoint nodePort', () => {
  it("is refused outside the cluster's nodePortRange", () => {
    const files = editFile(example, 'k3scl2.yaml', (c) => {
      c.nodePortRange = '30000-31999';
    });
    expectProblem(loadFiles(files), {
      file: 'clusters/k3scl2.yaml',
      field: 'meshEndpoint.nodePort',
      line: lineOf(files['k3scl2.yaml'], 'nodePort:'),
      message: /32380 is outside the cluster's NodePort range 30000-31999/,
      fix: /between 30000 and 31999/,
    });
  });

  function samePort(version: string): InventoryFiles {
    const files = editFile(example, 'mesh.yaml', (m) => {
      m.cilium.version = version;
      m.cilium.kubeProxyReplacement = true;
    });
    return editFile(files, 'k3scl2.yaml', (c) => {
      c.meshEndpoint.nodePort = 32379; // k3scl1's
    });
  }

  it('must differ between clusters with Cilium 1.18.12 and kube-proxy replacement', () => {
    const files = samePort('1.18.12');
    expectProblem(loadFiles(files), {
      file: 'clusters/k3scl2.yaml',
      field: 'meshEndpoint.nodePort',
      line: lineOf(files['k3scl2.yaml'], 'nodePort:'),
      message: /32379 is also the mesh endpoint nodePort of k3scl1; with Cilium 1\.18\.12 and kube-proxy replacement/,
      fix: /its own meshEndpoint\.nodePort/,
    });
  });

  it('may be shared between clusters with Cilium 1.19.6', () => {
    const result = loadFiles(samePort('1.19.6'));
    expectNoErrors(result);
    expect(result.mesh?.clusters.map(meshNodePortOf)).toEqual([32379, 32379, 32381]);
  });

  it('may be shared with Cilium 1.18.12 when kube-proxy replacement is off', () => {
    const files = editFile(samePort('1.18.12'), 'mesh.yaml', (m) => {
      m.cilium.kubeProxyReplacement = false;
    });
    expectNoErrors(loadFiles(files));
  });
});

describe('k3s.version', () => {
  const errors = (files: Record<string, string>) => loadFiles(files).problems.filter((p) => p.severity === 'error');

  it('refuses a release whose helm-controller cannot give Cilium the mesh CA, in the mesh file or a cluster file, saying why', () => {
    let files = editFile(exampleInventory(), 'mesh.yaml', (m) => (m.k3s = { version: 'v1.29.15+k3s1' }));
    files = editFile(files, 'k3scl2.yaml', (c) => (c.k3s = { version: 'v1.32.3+k3s1' }));
    const found = errors(files);
    expect(found.map((p) => `${p.file} ${p.field}`)).toEqual(['clusters/k3scl2.yaml k3s.version', 'clusters/mesh.yaml k3s.version']);
    expect(found[0].message).toMatch(/first 1\.32 release with it is v1\.32\.4\+k3s1/);
    expect(found[0].fix).toMatch(/e\.g\. v1\.34\.2\+k3s1/);
  });

  it("pins every cluster to the mesh's release unless its own file pins another", () => {
    const mesh = meshOf(editFile(exampleInventory(), 'k3scl3.yaml', (c) => (c.k3s = { version: 'v1.33.0+k3s1' })));
    expect(mesh.clusters.map((c) => c.k3sVersion)).toEqual(['v1.34.2+k3s1', 'v1.34.2+k3s1', 'v1.33.0+k3s1']);
  });

  it('warns, naming the clusters, when a cluster has no pinned release', () => {
    let files = editFile(exampleInventory(), 'mesh.yaml', (m) => delete m.k3s);
    files = editFile(files, 'k3scl1.yaml', (c) => (c.k3s = { version: 'v1.34.2+k3s1' }));
    const result = loadFiles(files);
    expect(result.mesh).toBeDefined();
    const warnings = result.problems.filter((p) => p.severity === 'warning' && p.field === 'k3s.version');
    expect(warnings.map((p) => `${p.file} ${p.message}`)).toEqual(['clusters/mesh.yaml is not set, so the hand-over of k3scl2, k3scl3 installs whatever k3s release is stable that day']);
  });

  it('names the first clusters and counts the others when many have no pinned release', () => {
    const files = syntheticInventory({ clusters: 20 });
    const result = loadFiles(editFile(files, 'mesh.yaml', (m) => delete m.k3s));
    const warnings = result.problems.filter((p) => p.severity === 'warning' && p.field === 'k3s.version');
    expect(warnings.map((p) => p.message)).toEqual(['is not set, so the hand-over of c001, c002, c003, c004, c005, c006, c007, c008 and 12 more clusters installs whatever k3s release is stable that day']);
  });
});

describe('the API address of a cluster with several servers', () => {
  const threeServers = (apiHost?: string) =>
    editFile(exampleInventory(), 'k3scl1.yaml', (c) => {
      c.nodes.push({ name: 'k3scl1-server-2', ip: '172.17.11.21', role: 'server' }, { name: 'k3scl1-server-3', ip: '172.17.11.22', role: 'server' });
      if (apiHost) c.apiServer = { host: apiHost };
    });
  const apiWarnings = (files: InventoryFiles) => loadFiles(files).problems.filter((p) => p.severity === 'warning' && /one server alone/.test(p.message));

  it('warns that one server is a single point of failure when no VIP or DNS name is given, or a server address is', () => {
    for (const files of [threeServers(), threeServers('172.17.11.21')]) {
      const [warning] = apiWarnings(files);
      expect(warning.file).toBe('clusters/k3scl1.yaml');
      expect(warning.message).toMatch(/has 3 servers, but Cilium \(k8sServiceHost\) and the joining nodes reach the API at 172\.17\.11\.(11|21), one server alone/);
      expect(warning.fix).toMatch(/virtual IP or DNS name in front of all servers/);
    }
  });

  it('is quiet with a VIP or DNS name, and for a single server', () => {
    expect(apiWarnings(threeServers('172.17.11.10'))).toEqual([]);
    expect(apiWarnings(threeServers('api.k3scl1.example.com'))).toEqual([]);
    expect(apiWarnings(exampleInventory())).toEqual([]);
  });
});
