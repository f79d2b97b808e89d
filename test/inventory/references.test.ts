/**
 * Global services and policies name clusters; those names must be clusters of
 * the mesh, and a problem in one cluster file must not cascade into them.
 */
import { editFile, exampleInventory, loadFiles, withFile } from '../support/inventory-fixture';
import { expectNoErrors, expectProblem, lineOf } from './expect-problem';

const example = exampleInventory();

describe('global services', () => {
  it('may not list a cluster that is not in the mesh', () => {
    const files = editFile(example, 'services.yaml', (s) => {
      s.services[0].clusters = ['k3scl1', 'k3scl9'];
    });
    expectProblem(loadFiles(files), {
      file: 'clusters/services.yaml',
      field: 'services[0].clusters[1]',
      line: lineOf(files['services.yaml'], '- k3scl9'),
      message: /'k3scl9' is not a cluster of the mesh/,
      fix: /use one of: k3scl1, k3scl2, k3scl3/,
    });
  });

  it('may not run a backend in a cluster that is not in the mesh', () => {
    const files = editFile(example, 'services.yaml', (s) => {
      s.services[0].backend.clusters = ['k3scl9'];
    });
    expectProblem(loadFiles(files), {
      file: 'clusters/services.yaml',
      field: 'services[0].backend.clusters[0]',
      line: lineOf(files['services.yaml'], '- k3scl9'),
      message: /'k3scl9' is not a cluster of the mesh/,
      fix: /use one of: k3scl1, k3scl2, k3scl3/,
    });
  });

  it('may be declared only once', () => {
    const files = editFile(example, 'services.yaml', (s) => {
      s.services.push(JSON.parse(JSON.stringify(s.services[0])));
    });
    expectProblem(loadFiles(files), {
      file: 'clusters/services.yaml',
      field: 'services[1].name',
      line: lineOf(files['services.yaml'], 'name: nginx-global', 2),
      message: /test\/nginx-global is already declared in clusters\/services\.yaml/,
      fix: /declare each global service once/,
    });
  });

  it('may be declared only once across files', () => {
    const files = withFile(example, 'more-services.yaml', example['services.yaml']);
    expectProblem(loadFiles(files), {
      file: 'clusters/services.yaml',
      field: 'services[0].name',
      line: lineOf(example['services.yaml'], 'name: nginx-global'),
      message: /test\/nginx-global is already declared in clusters\/more-services\.yaml/,
      fix: /declare each global service once/,
    });
  });

  it('may not run its backend in a cluster where the service does not exist', () => {
    const files = editFile(example, 'services.yaml', (s) => {
      s.services[0].clusters = ['k3scl2', 'k3scl3'];
    });
    expectProblem(loadFiles(files), {
      file: 'clusters/services.yaml',
      field: 'services[0].backend.clusters',
      line: lineOf(files['services.yaml'], '- k3scl1'),
      message: /the backend runs in k3scl1, where the service does not exist/,
      fix: /add k3scl1 to the service's clusters, or remove it from backend\.clusters/,
    });
  });

  it('without a backend gives a warning, not an error', () => {
    const files = editFile(example, 'services.yaml', (s) => {
      delete s.services[0].backend;
    });
    const result = loadFiles(files);
    expect(result.mesh).toBeDefined();
    expectProblem(result, {
      severity: 'warning',
      file: 'clusters/services.yaml',
      field: 'services[0]',
      line: lineOf(files['services.yaml'], '- name: nginx-global'),
      message: /test\/nginx-global has no backend declared here/,
      fix: /add a backend/,
    });
  });
});

describe('policies', () => {
  it.each(['from', 'to'] as const)('may not name a cluster that is not in the mesh (%s)', (side) => {
    const files = editFile(example, 'policies.yaml', (p) => {
      p.policies[0][side].cluster = 'k3scl9';
    });
    expectProblem(loadFiles(files), {
      file: 'clusters/policies.yaml',
      field: `policies[0].${side}.cluster`,
      line: lineOf(files['policies.yaml'], 'cluster: k3scl9'),
      message: /'k3scl9' is not a cluster of the mesh/,
      fix: /use one of: k3scl1, k3scl2, k3scl3, or '\*' for any cluster/,
    });
  });

  it("accept '*' for any cluster", () => {
    const files = editFile(example, 'policies.yaml', (p) => {
      p.policies[0].from.cluster = '*';
    });
    expectNoErrors(loadFiles(files));
  });
});

describe('a broken cluster file does not cascade into services and policies', () => {
  // k3scl1 is named by services.yaml (backend) and policies.yaml (from).
  it.each([
    ['an invalid name', editFile(example, 'k3scl1.yaml', (c) => (c.name = 'K3scl1'))],
    ['a misspelt key', withFile(example, 'k3scl1.yaml', example['k3scl1.yaml'].replace('podCidr', 'podCIRD'))],
    ['malformed YAML', withFile(example, 'k3scl1.yaml', example['k3scl1.yaml'].replace('id: 1', ' id: 1'))],
    ['an empty file', withFile(example, 'k3scl1.yaml', '')],
    ['an unknown kind', withFile(example, 'k3scl1.yaml', example['k3scl1.yaml'].replace('kind: Cluster', 'kind: Clustr'))],
  ])('%s in k3scl1.yaml is reported there only', (_what, files) => {
    const errors = loadFiles(files).problems.filter((p) => p.severity === 'error');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.map((p) => p.file)).toEqual(errors.map(() => 'clusters/k3scl1.yaml'));
  });
});
