/**
 * Inventory files as files: encoding, kind, keys, and which files must exist.
 * (YAML syntax errors: yaml-syntax.test.ts.)
 */
import { writeFileSync } from 'fs';
import { join } from 'path';
import { loadInventory } from '../../lib/inventory/load';
import { editFile, exampleInventory, loadFiles, tempProject, withFile } from '../support/inventory-fixture';
import { expectProblem, expectProblems, lineOf } from './expect-problem';

const example = exampleInventory();
const cluster1 = example['k3scl1.yaml'];

/** The example with k3scl1.yaml's text edited; fails when the edit did not apply. */
function replaceInCluster1(from: string, to: string) {
  expect(cluster1).toContain(from);
  const text = cluster1.replace(from, to);
  return { text, files: withFile(example, 'k3scl1.yaml', text) };
}

describe('file content', () => {
  it.each([
    ['empty', ''],
    ['only a comment', '# yaml-language-server: $schema=../schema/cluster.schema.json\n'],
  ])('an %s file is refused', (_what, text) => {
    expectProblem(loadFiles(withFile(example, 'k3scl1.yaml', text)), {
      file: 'clusters/k3scl1.yaml',
      field: '',
      line: null,
      message: /is empty/,
      fix: /describe one object in the file, or delete the file/,
    });
  });

  it('a file that is not UTF-8 is refused', () => {
    const project = tempProject(example);
    try {
      // Latin-1 "é" in a comment: valid YAML characters, invalid UTF-8.
      writeFileSync(join(project.root, 'clusters', 'k3scl1.yaml'), Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9]), Buffer.from('\n' + cluster1)]));
      const result = loadInventory(join(project.root, 'clusters'), { displayRoot: project.root });
      expectProblem(result, { file: 'clusters/k3scl1.yaml', field: '', line: null, message: /is not valid UTF-8 text/, fix: /save the file as UTF-8/ });
    } finally {
      project.cleanup();
    }
  });

  it('a list instead of a mapping is refused', () => {
    expectProblem(loadFiles(withFile(example, 'k3scl1.yaml', '- kind: Cluster\n')), {
      file: 'clusters/k3scl1.yaml',
      field: '',
      line: 1,
      message: /holds a list, not a mapping/,
      fix: /start the file with 'kind:'/,
    });
  });

  it('an unknown kind is refused', () => {
    const { text, files } = replaceInCluster1('kind: Cluster', 'kind: Clustr');
    expectProblem(loadFiles(files), {
      file: 'clusters/k3scl1.yaml',
      field: 'kind',
      line: lineOf(text, 'kind: Clustr'),
      message: /"Clustr" is not a known kind/,
      fix: /set kind to one of Mesh, Cluster, GlobalServices, Policies/,
    });
  });

  it('a missing kind is refused', () => {
    const { text, files } = replaceInCluster1('kind: Cluster\n', '');
    expectProblem(loadFiles(files), {
      file: 'clusters/k3scl1.yaml',
      field: 'kind',
      line: lineOf(text, 'name: k3scl1'),
      message: /is missing/,
      fix: /set kind to one of Mesh, Cluster, GlobalServices, Policies/,
    });
  });

  it('a misspelt key is reported once, with the key it should be', () => {
    const { text, files } = replaceInCluster1('podCidr:', 'podCIRD:');
    // Not also "missing the required key 'podCidr'": it is one mistake.
    expectProblem(loadFiles(files), {
      file: 'clusters/k3scl1.yaml',
      field: 'podCIRD',
      line: lineOf(text, 'podCIRD:'),
      message: /is not a known key \(a misspelling of 'podCidr'\)/,
      fix: /rename it to 'podCidr'/,
    });
  });

  it('an unknown key lists the allowed keys', () => {
    const files = editFile(example, 'k3scl1.yaml', (c) => (c.nodes[0].zone = 'eu-1'));
    expectProblem(loadFiles(files), {
      file: 'clusters/k3scl1.yaml',
      field: 'nodes[0].zone',
      line: lineOf(files['k3scl1.yaml'], 'zone:'),
      message: /is not a known key/,
      fix: /remove it or correct its spelling; allowed here: name, ip, externalAddress, role/,
    });
  });

  it('a missing required key is named with what to write', () => {
    const { text, files } = replaceInCluster1('id: 1\n', '');
    expectProblem(loadFiles(files), {
      file: 'clusters/k3scl1.yaml',
      field: '',
      line: lineOf(text, 'kind: Cluster'),
      message: /is missing the required key 'id'/,
      fix: /add 'id': Cilium cluster id/,
    });
  });

  it('a missing required key in a list item names the item', () => {
    const files = editFile(example, 'k3scl1.yaml', (c) => delete c.nodes[0].ip);
    expectProblem(loadFiles(files), {
      file: 'clusters/k3scl1.yaml',
      field: 'nodes[0]',
      line: lineOf(files['k3scl1.yaml'], '- name: k3scl1-server'),
      message: /is missing the required key 'ip'/,
      fix: /add 'ip': IPv4 address of the node/,
    });
  });
});

describe('the files an inventory needs', () => {
  it('a missing Mesh file is reported once, for the folder', () => {
    expectProblem(loadFiles(withFile(example, 'mesh.yaml', undefined)), {
      file: 'clusters',
      field: '',
      line: null,
      message: /has no mesh settings/,
      fix: /add a file clusters\/mesh\.yaml starting with 'kind: Mesh'/,
    });
  });

  it('a missing Mesh file is reported even when another file is broken', () => {
    const files = withFile(withFile(example, 'mesh.yaml', undefined), 'k3scl1.yaml', cluster1.replace('id: 1\n', ''));
    expectProblems(loadFiles(files), [
      { file: 'clusters', field: '', line: null, message: /has no mesh settings/, fix: /kind: Mesh/ },
      { file: 'clusters/k3scl1.yaml', field: '', line: 2, message: /missing the required key 'id'/, fix: /add 'id'/ },
    ]);
  });

  it('a second Mesh file is refused', () => {
    const files = withFile(example, 'mesh2.yaml', example['mesh.yaml']);
    expectProblem(loadFiles(files), {
      file: 'clusters/mesh2.yaml',
      field: 'kind',
      line: lineOf(example['mesh.yaml'], 'kind: Mesh'),
      message: /a second Mesh file \(the first is clusters\/mesh\.yaml\)/,
      fix: /keep exactly one file of kind Mesh/,
    });
  });

  it('an inventory without a cluster file is refused, without errors about every reference', () => {
    let files = example;
    for (const name of ['k3scl1.yaml', 'k3scl2.yaml', 'k3scl3.yaml']) files = withFile(files, name, undefined);
    expectProblem(loadFiles(files), {
      file: 'clusters',
      field: '',
      line: null,
      message: /has no cluster/,
      fix: /add one file per cluster, <name>\.yaml, starting with 'kind: Cluster'/,
    });
  });
});

describe('every problem at once', () => {
  it('reports 3 different errors in 2 files in one run', () => {
    // k3scl2.yaml: an invalid node address and an id k3scl1 already has;
    // mesh.yaml: a removed Helm value.
    const cluster2 = editFile(example, 'k3scl2.yaml', (c) => {
      c.id = 1;
      c.nodes[0].ip = '172.17.11.300';
    });
    const files = editFile(cluster2, 'mesh.yaml', (m) => (m.cilium.helmValues = { tunnel: 'geneve' }));
    const result = loadFiles(files);
    expect(result.mesh).toBeUndefined();
    expectProblems(result, [
      { file: 'clusters/k3scl2.yaml', field: 'id', line: lineOf(files['k3scl2.yaml'], 'id:'), message: /1 is already the id of k3scl1/, fix: /choose an id/ },
      { file: 'clusters/k3scl2.yaml', field: 'nodes[0].ip', line: lineOf(files['k3scl2.yaml'], 'ip:'), message: /'172\.17\.11\.300' is not an IPv4 address/, fix: /dotted-quad/ },
      { file: 'clusters/mesh.yaml', field: 'cilium.helmValues.tunnel', line: lineOf(files['mesh.yaml'], 'tunnel:'), message: /is not accepted/, fix: /routing in the mesh file/ },
    ]);
    expect(result.problems.filter((p) => p.severity === 'error')).toHaveLength(3);
  });

  it('reports a schema error in one file together with rule errors in others', () => {
    const broken = withFile(example, 'k3scl1.yaml', cluster1.replace('podCidr:', 'podCIRD:'));
    const files = editFile(editFile(broken, 'k3scl3.yaml', (c) => (c.id = 2)), 'policies.yaml', (p) => (p.policies[0].to.cluster = 'k3scl9'));
    expectProblems(loadFiles(files), [
      { file: 'clusters/k3scl1.yaml', field: 'podCIRD', line: 5, message: /not a known key/, fix: /podCidr/ },
      { file: 'clusters/k3scl3.yaml', field: 'id', line: lineOf(files['k3scl3.yaml'], 'id:'), message: /2 is already the id of k3scl2/, fix: /choose an id/ },
      { file: 'clusters/policies.yaml', field: 'policies[0].to.cluster', line: lineOf(files['policies.yaml'], 'cluster: k3scl9'), message: /'k3scl9' is not a cluster of the mesh/, fix: /use one of/ },
    ]);
  });
});
