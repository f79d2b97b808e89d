/**
 * The mesh endpoint of a cluster (NodePort, LoadBalancer, External) and the NAT
 * address of a node: each test sets one endpoint in the bundled example and
 * checks the model, or the one problem it causes.
 */
import { meshEndpointSourceRanges } from '../../lib/model/mesh';
import { editFile, exampleInventory, loadFiles, meshOf } from '../support/inventory-fixture';
import { expectNoErrors, expectProblem, expectProblems, lineOf } from './expect-problem';

const example = exampleInventory();
const withEndpoint = (file: string, meshEndpoint: Record<string, unknown>) => editFile(example, file, (c) => (c.meshEndpoint = meshEndpoint));
const LB = { type: 'LoadBalancer', loadBalancerIP: '172.17.30.1', supplier: 'metallb' };

describe('meshEndpoint', () => {
  it('is a NodePort by default, as in files written before the type existed', () => {
    const mesh = meshOf(example);
    expect(mesh.clusters.map((c) => c.meshEndpoint)).toEqual([
      { type: 'NodePort', nodePort: 32379 },
      { type: 'NodePort', nodePort: 32380 },
      { type: 'NodePort', nodePort: 32381 },
    ]);
  });

  it('LoadBalancer: admits every peer node by default, at its NAT address where it has one', () => {
    let files = withEndpoint('k3scl1.yaml', LB);
    files = editFile(files, 'k3scl3.yaml', (c) => (c.nodes[0].externalAddress = '203.0.113.13'));
    const mesh = meshOf(files);
    const [k3scl1] = mesh.clusters;
    expect(k3scl1.meshEndpoint).toEqual({ type: 'LoadBalancer', loadBalancerIP: '172.17.30.1', supplier: 'metallb', externalTrafficPolicy: 'Cluster', annotations: {}, loadBalancerClass: undefined, sourceRanges: undefined });
    expect(meshEndpointSourceRanges(mesh, k3scl1)).toEqual(['172.17.11.12/32', '203.0.113.13/32']);
    // Other clusters have no LoadBalancer, hence no ranges.
    expect(meshEndpointSourceRanges(mesh, mesh.clusters[1])).toEqual([]);
  });

  it('LoadBalancer: takes explicit source ranges, an empty list admitting any source', () => {
    expect(meshEndpointSourceRanges(meshOf(withEndpoint('k3scl1.yaml', { ...LB, sourceRanges: ['198.51.100.0/24', '10.0.0.0/8'] })), meshOf(example).clusters[0])).toEqual([]);
    const mesh = meshOf(withEndpoint('k3scl1.yaml', { ...LB, sourceRanges: ['198.51.100.0/24', '10.0.0.0/8'] }));
    expect(meshEndpointSourceRanges(mesh, mesh.clusters[0])).toEqual(['10.0.0.0/8', '198.51.100.0/24']);
    const open = meshOf(withEndpoint('k3scl1.yaml', { ...LB, sourceRanges: [] }));
    expect(meshEndpointSourceRanges(open, open.clusters[0])).toEqual([]);
  });

  it('LoadBalancer: without a supplier, warns that k3s servicelb is off', () => {
    const files = withEndpoint('k3scl1.yaml', { type: 'LoadBalancer', loadBalancerIP: '172.17.30.1' });
    expectProblem(loadFiles(files), {
      severity: 'warning',
      file: 'clusters/k3scl1.yaml',
      field: 'meshEndpoint',
      line: lineOf(files['k3scl1.yaml'], 'meshEndpoint:'),
      message: /names no supplier: k3s servicelb is disabled .*disable: servicelb/,
      fix: /kube-vip, metallb, cilium or other/,
    });
  });

  it('LoadBalancer: without a loadBalancerIP is refused, peers would not know what to dial', () => {
    const files = withEndpoint('k3scl1.yaml', { type: 'LoadBalancer', supplier: 'kube-vip' });
    expectProblem(loadFiles(files), {
      file: 'clusters/k3scl1.yaml',
      field: 'meshEndpoint',
      line: lineOf(files['k3scl1.yaml'], 'meshEndpoint:'),
      message: /names no loadBalancerIP/,
      fix: /set meshEndpoint\.loadBalancerIP .* or use type External/,
    });
  });

  it.each([
    ['loadBalancerIP', { ...LB, loadBalancerIP: '172.17.300.1' }, 'loadBalancerIP:', /'172\.17\.300\.1' is not an IPv4 address/, /dotted-quad/],
    ['sourceRanges[0]', { ...LB, sourceRanges: ['172.17.11.12'] }, '- 172.17.11.12', /is not a CIDR range/, /a single address as \/32/],
  ])('LoadBalancer: refuses a malformed %s', (field, endpoint, at, message, fix) => {
    const files = withEndpoint('k3scl1.yaml', endpoint);
    expectProblem(loadFiles(files), { file: 'clusters/k3scl1.yaml', field: `meshEndpoint.${field}`, line: lineOf(files['k3scl1.yaml'], at), message, fix });
  });

  it('LoadBalancer: an IP another cluster also uses is refused in the second file', () => {
    let files = withEndpoint('k3scl1.yaml', LB);
    files = editFile(files, 'k3scl2.yaml', (c) => (c.meshEndpoint = LB));
    expectProblem(loadFiles(files), {
      file: 'clusters/k3scl2.yaml',
      field: 'meshEndpoint.loadBalancerIP',
      line: lineOf(files['k3scl2.yaml'], 'loadBalancerIP:'),
      message: /172\.17\.30\.1:2379 is also the mesh endpoint of k3scl1/,
      fix: /its own mesh endpoint address/,
    });
  });

  it('LoadBalancer: a node address or an address inside a pod or service range is refused', () => {
    const node = withEndpoint('k3scl1.yaml', { ...LB, loadBalancerIP: '172.17.11.12' });
    expectProblem(loadFiles(node), {
      file: 'clusters/k3scl1.yaml',
      field: 'meshEndpoint.loadBalancerIP',
      line: lineOf(node['k3scl1.yaml'], 'loadBalancerIP:'),
      message: /172\.17\.11\.12 is a node address of k3scl2/,
      fix: /free address of the supplier's pool/,
    });
    const pods = withEndpoint('k3scl1.yaml', { ...LB, loadBalancerIP: '10.12.0.9' });
    expectProblem(loadFiles(pods), {
      file: 'clusters/k3scl1.yaml',
      field: 'meshEndpoint.loadBalancerIP',
      line: lineOf(pods['k3scl1.yaml'], 'loadBalancerIP:'),
      message: /10\.12\.0\.9 lies inside the pod range 10\.12\.0\.0\/16 of k3scl2/,
      fix: /outside every pod and service range/,
    });
  });

  it('LoadBalancer: with native routing, an IP inside nativeRoutingCidr needs explicit source ranges (pods reach it unmasqueraded)', () => {
    let files = editFile(example, 'mesh.yaml', (m) => (m.cilium.routing = { mode: 'native', nativeRoutingCidr: '10.0.0.0/8' }));
    files = editFile(files, 'k3scl1.yaml', (c) => (c.meshEndpoint = { ...LB, loadBalancerIP: '10.200.0.1' }));
    expectProblem(loadFiles(files), {
      file: 'clusters/k3scl1.yaml',
      field: 'meshEndpoint.loadBalancerIP',
      line: lineOf(files['k3scl1.yaml'], 'loadBalancerIP:'),
      message: /10\.200\.0\.1 lies inside cilium\.routing\.nativeRoutingCidr 10\.0\.0\.0\/8/,
      fix: /outside nativeRoutingCidr, or list the sources in meshEndpoint\.sourceRanges/,
    });
    expectNoErrors(loadFiles(editFile(files, 'k3scl1.yaml', (c) => (c.meshEndpoint.sourceRanges = ['10.11.0.0/16', '172.17.11.0/24']))));
    expectNoErrors(loadFiles(editFile(files, 'k3scl1.yaml', (c) => (c.meshEndpoint.loadBalancerIP = '172.17.30.1'))));
  });

  it('External: an IPv4 address or a DNS name, the port defaulting to the nodePort', () => {
    let files = withEndpoint('k3scl1.yaml', { type: 'External', address: '198.51.100.40' });
    files = editFile(files, 'k3scl2.yaml', (c) => (c.meshEndpoint = { type: 'External', nodePort: 32380, address: 'mesh.k3scl2.example.com', port: 443 }));
    const [a, b] = meshOf(files).clusters;
    expect(a.meshEndpoint).toEqual({ type: 'External', nodePort: 32001, address: '198.51.100.40', addressKind: 'ip', port: 32001 });
    expect(b.meshEndpoint).toEqual({ type: 'External', nodePort: 32380, address: 'mesh.k3scl2.example.com', addressKind: 'dns', port: 443 });
  });

  it('External: without an address is refused', () => {
    const files = withEndpoint('k3scl1.yaml', { type: 'External', nodePort: 32379 });
    expectProblem(loadFiles(files), { file: 'clusters/k3scl1.yaml', field: 'meshEndpoint', line: lineOf(files['k3scl1.yaml'], 'meshEndpoint:'), message: /names no address/, fix: /DNS name or IPv4 address of the load balancer/ });
  });

  it.each([
    ['198.51.100.400', /looks like an IPv4 address but is not one/],
    ['Mesh_1.example.com', /is neither an IPv4 address nor a DNS name/],
  ])('External: refuses the address %s', (address, message) => {
    const files = withEndpoint('k3scl1.yaml', { type: 'External', address });
    expectProblem(loadFiles(files), { file: 'clusters/k3scl1.yaml', field: 'meshEndpoint.address', line: lineOf(files['k3scl1.yaml'], 'address:'), message, fix: /dotted-quad address .* or a lower-case DNS name/ });
  });

  it('External: two clusters behind one address need distinct ports', () => {
    let files = withEndpoint('k3scl1.yaml', { type: 'External', address: 'lb.example.com', port: 443 });
    files = editFile(files, 'k3scl2.yaml', (c) => (c.meshEndpoint = { type: 'External', address: 'lb.example.com', port: 443 }));
    expectProblem(loadFiles(files), { file: 'clusters/k3scl2.yaml', field: 'meshEndpoint.address', line: lineOf(files['k3scl2.yaml'], 'address:'), message: /lb\.example\.com:443 is also the mesh endpoint of k3scl1/, fix: /or port/ });
    const distinct = editFile(files, 'k3scl2.yaml', (c) => (c.meshEndpoint.port = 8443));
    expectNoErrors(loadFiles(distinct));
  });

  it('refuses every field that belongs to another type, naming the type it belongs to', () => {
    const files = withEndpoint('k3scl1.yaml', { nodePort: 32379, loadBalancerIP: '172.17.30.1', address: 'mesh.example.com' });
    expectProblems(loadFiles(files), [
      { file: 'clusters/k3scl1.yaml', field: 'meshEndpoint.loadBalancerIP', line: lineOf(files['k3scl1.yaml'], 'loadBalancerIP:'), message: /applies to type LoadBalancer only, and this endpoint is of the default type NodePort/, fix: /set meshEndpoint\.type: LoadBalancer, or delete loadBalancerIP/ },
      { file: 'clusters/k3scl1.yaml', field: 'meshEndpoint.address', line: lineOf(files['k3scl1.yaml'], 'address:'), message: /applies to type External only/, fix: /set meshEndpoint\.type: External, or delete address/ },
    ]);
    const lb = withEndpoint('k3scl1.yaml', { ...LB, nodePort: 32379 });
    expectProblem(loadFiles(lb), { file: 'clusters/k3scl1.yaml', field: 'meshEndpoint.nodePort', line: lineOf(lb['k3scl1.yaml'], 'nodePort:'), message: /applies to type NodePort or External only, and this endpoint is LoadBalancer/, fix: /set meshEndpoint\.type: NodePort, or delete nodePort/ });
  });

  it('refuses an unknown type with the types there are', () => {
    const files = withEndpoint('k3scl1.yaml', { type: 'Ingress' });
    const result = loadFiles(files);
    expect(result.mesh).toBeUndefined();
    const problem = result.problems.find((p) => p.field === 'meshEndpoint.type')!;
    expect(problem.fix).toMatch(/NodePort.*LoadBalancer.*External/);
  });
});

describe('nodes[].externalAddress', () => {
  it('is what peers dial for a NodePort endpoint; the node keeps its ip', () => {
    const files = editFile(example, 'k3scl3.yaml', (c) => (c.nodes[0].externalAddress = '203.0.113.13'));
    expect(meshOf(files).clusters[2].nodes[0]).toEqual({ name: 'k3scl3-server', ip: '172.17.11.13', externalAddress: '203.0.113.13', role: 'server' });
    expectNoErrors(loadFiles(files));
  });

  it('must be an IPv4 address', () => {
    const files = editFile(example, 'k3scl3.yaml', (c) => (c.nodes[0].externalAddress = 'nat.example.com'));
    expectProblem(loadFiles(files), { file: 'clusters/k3scl3.yaml', field: 'nodes[0].externalAddress', line: lineOf(files['k3scl3.yaml'], 'externalAddress:'), message: /is not an IPv4 address/, fix: /the other clusters reach this node at/ });
  });
});
