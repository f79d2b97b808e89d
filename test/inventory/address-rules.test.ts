/**
 * Pod ranges, service ranges and node addresses: pod ranges are routed across
 * the mesh, so they may not overlap pods, services or nodes anywhere.
 */
import { editFile, exampleInventory, InventoryFiles, loadFiles } from '../support/inventory-fixture';
import { expectProblem, expectProblems, lineOf } from './expect-problem';

const example = exampleInventory();

function editCluster(name: string, edit: (cluster: any) => void): InventoryFiles {
  return editFile(example, `${name}.yaml`, edit);
}

describe('pod ranges', () => {
  it('may not overlap the pod range of another cluster', () => {
    const files = editCluster('k3scl2', (c) => {
      c.podCidr = '10.11.128.0/17';
    });
    expectProblem(loadFiles(files), {
      file: 'clusters/k3scl2.yaml',
      field: 'podCidr',
      line: lineOf(files['k3scl2.yaml'], 'podCidr:'),
      message: /10\.11\.128\.0\/17 overlaps the pod range 10\.11\.0\.0\/16 of k3scl1/,
      fix: /choose a pod range no other cluster uses, e\.g\. 10\.1\.0\.0\/16/,
    });
  });

  it("may not overlap the cluster's own service range", () => {
    const files = editCluster('k3scl2', (c) => {
      c.serviceCidr = '10.12.128.0/17';
    });
    expectProblem(loadFiles(files), {
      file: 'clusters/k3scl2.yaml',
      field: 'podCidr',
      line: lineOf(files['k3scl2.yaml'], 'podCidr:'),
      message: /10\.12\.0\.0\/16 overlaps the cluster's own service range 10\.12\.128\.0\/17/,
      fix: /overlaps no service range/,
    });
  });

  it("may not overlap another cluster's service range", () => {
    const files = editCluster('k3scl2', (c) => {
      c.serviceCidr = '10.13.0.0/16'; // k3scl3's pod range
    });
    expectProblem(loadFiles(files), {
      file: 'clusters/k3scl3.yaml',
      field: 'podCidr',
      line: lineOf(files['k3scl3.yaml'], 'podCidr:'),
      message: /10\.13\.0\.0\/16 overlaps k3scl2's service range 10\.13\.0\.0\/16/,
      fix: /overlaps no service range/,
    });
  });

  it('may not contain a node address of another cluster', () => {
    const files = editCluster('k3scl1', (c) => {
      c.nodes[0].ip = '10.12.0.11'; // inside k3scl2's pods
    });
    expectProblem(loadFiles(files), {
      file: 'clusters/k3scl2.yaml',
      field: 'podCidr',
      line: lineOf(files['k3scl2.yaml'], 'podCidr:'),
      message: /10\.12\.0\.0\/16 contains 10\.12\.0\.11, a node address of k3scl1/,
      fix: /holds no node address/,
    });
  });

  it("is reported for each node of other clusters it contains", () => {
    const files = editCluster('k3scl1', (c) => {
      c.podCidr = '172.17.0.0/16';
      c.nodes[0].ip = '172.18.0.11';
    });
    const line = lineOf(files['k3scl1.yaml'], 'podCidr:');
    expectProblems(loadFiles(files), [
      { file: 'clusters/k3scl1.yaml', field: 'podCidr', line, message: /contains 172\.17\.11\.12, a node address of k3scl2/, fix: /holds no node address/ },
      { file: 'clusters/k3scl1.yaml', field: 'podCidr', line, message: /contains 172\.17\.11\.13, a node address of k3scl3/, fix: /holds no node address/ },
    ]);
  });
});

describe('node addresses', () => {
  it("may not lie inside the cluster's own pod range", () => {
    const files = editCluster('k3scl2', (c) => {
      c.nodes[0].ip = '10.12.0.5';
    });
    expectProblem(loadFiles(files), {
      file: 'clusters/k3scl2.yaml',
      field: 'nodes[0].ip',
      line: lineOf(files['k3scl2.yaml'], 'ip:'),
      message: /10\.12\.0\.5 lies inside the cluster's podCidr 10\.12\.0\.0\/16/,
      fix: /podCidr/,
    });
  });

  it.each([
    ['172.17.11.300', /from 0 to 255/],
    ['01.2.3.4', /leading zero/],
    ['172.17.11', /four numbers/],
  ])('must be a valid IPv4 address, not %s', (ip, why) => {
    const files = editCluster('k3scl2', (c) => {
      c.nodes[0].ip = ip;
    });
    const [problem] = expectProblems(loadFiles(files), [
      {
        file: 'clusters/k3scl2.yaml',
        field: 'nodes[0].ip',
        line: lineOf(files['k3scl2.yaml'], 'ip:'),
        message: new RegExp(`'${ip.replace(/\./g, '\\.')}' is not an IPv4 address`),
        fix: /dotted-quad address such as 172\.17\.11\.11/,
      },
    ]);
    expect(problem.message).toMatch(why);
  });
});

describe('CIDR ranges', () => {
  it.each([
    ['10.12.0.1/16', /'10\.12\.0\.1\/16' has host bits set; the network address is 10\.12\.0\.0\/16/],
    ['10.12.0.0/33', /'10\.12\.0\.0\/33' has an invalid prefix length '\/33' \(expected 0 to 32\)/],
    ['10.12.0.0', /'10\.12\.0\.0' is not a CIDR range \(expected a\.b\.c\.d\/len\)/],
    ['10.12.0.256/24', /has an invalid address '10\.12\.0\.256'/],
  ])('podCidr %s is refused', (cidr, message) => {
    const files = editCluster('k3scl2', (c) => {
      c.podCidr = cidr;
    });
    expectProblem(loadFiles(files), {
      file: 'clusters/k3scl2.yaml',
      field: 'podCidr',
      line: lineOf(files['k3scl2.yaml'], 'podCidr:'),
      message,
      fix: /an IPv4 range such as 10\.11\.0\.0\/16/,
    });
  });

  it('serviceCidr with host bits set is refused', () => {
    const files = editCluster('k3scl3', (c) => {
      c.serviceCidr = '10.43.0.1/16';
    });
    expectProblem(loadFiles(files), {
      file: 'clusters/k3scl3.yaml',
      field: 'serviceCidr',
      line: lineOf(files['k3scl3.yaml'], 'serviceCidr:'),
      message: /has host bits set; the network address is 10\.43\.0\.0\/16/,
      fix: /an IPv4 range/,
    });
  });
});
