/**
 * apiServer.kubeVip: kube-vip announces apiServer.host by ARP from a server,
 * so the host must be an IPv4 address of its own, reached on k3s's port, and
 * the image must be pinned. A multi-server cluster behind it gets no warning.
 */
import { editFile, exampleInventory, loadFiles } from '../support/inventory-fixture';
import { expectNoErrors, expectProblem, lineOf } from './expect-problem';

/** The example with k3scl1 made of three servers, its apiServer set by `apiServer`. */
function withApiServer(apiServer: Record<string, unknown>) {
  const files = editFile(exampleInventory(), 'k3scl1.yaml', (c) => {
    c.nodes.push({ name: 'k3scl1-server-2', ip: '172.17.11.21', role: 'server' }, { name: 'k3scl1-server-3', ip: '172.17.11.22', role: 'server' });
    c.apiServer = apiServer;
  });
  return { files, text: files['k3scl1.yaml'], result: loadFiles(files) };
}

const FILE = 'clusters/k3scl1.yaml';

describe('apiServer.kubeVip', () => {
  it('takes a free IPv4 address as the VIP, defaults the image, and silences the single-server warning', () => {
    const { result } = withApiServer({ host: '172.17.11.100', kubeVip: { interface: 'eth0' } });
    expectNoErrors(result);
    expect(result.problems.filter((p) => p.file === FILE)).toEqual([]);
    const [cluster] = loadFiles(withApiServer({ host: '172.17.11.100', kubeVip: { interface: 'eth0' } }).files).mesh!.clusters;
    expect(cluster.apiServer).toEqual({ host: '172.17.11.100', port: 6443, kubeVip: { interface: 'eth0', image: 'ghcr.io/kube-vip/kube-vip:v1.2.3' } });
  });

  it('warns when several servers are reached through one of them', () => {
    const { result } = withApiServer({ host: '172.17.11.11' });
    expect(result.problems).toContainEqual(expect.objectContaining({ severity: 'warning', file: FILE, field: 'apiServer.host', message: expect.stringMatching(/has 3 servers, but .* one server alone/) }));
  });

  it('needs a host to announce', () => {
    const { text, result } = withApiServer({ kubeVip: { interface: 'eth0' } });
    expectProblem(result, { file: FILE, field: 'apiServer.kubeVip', line: lineOf(text, 'kubeVip:'), message: /needs apiServer\.host: the virtual IP kube-vip announces/, fix: /free IPv4 address/ });
  });

  it.each([
    ['a DNS name', 'api.example.com', /is not an IPv4 address, and kube-vip announces an address \(ARP\), not a name/],
    ["a server's own address", '172.17.11.21', /is the address of k3scl1-server-2, but kube-vip needs an address of its own/],
    ['an address in the service range', '10.43.0.100', /lies inside the cluster's serviceCidr 10\.43\.0\.0\/16/],
  ])('refuses %s as the VIP', (_what, host, message) => {
    const { text, result } = withApiServer({ host, kubeVip: { interface: 'eth0' } });
    expectProblem(result, { file: FILE, field: 'apiServer.host', line: lineOf(text, 'host:'), message, fix: /free IPv4 address/ });
  });

  it('refuses another port: the address moves to a server, which serves the API on 6443', () => {
    const { text, result } = withApiServer({ host: '172.17.11.100', port: 8443, kubeVip: { interface: 'eth0' } });
    expectProblem(result, { file: FILE, field: 'apiServer.port', line: lineOf(text, 'port: 8443'), message: /is 8443, but with kube-vip the address moves to a server/, fix: /leave apiServer\.port out \(6443\)/ });
  });

  it.each([
    ['no tag', 'ghcr.io/kube-vip/kube-vip'],
    ['latest', 'ghcr.io/kube-vip/kube-vip:latest'],
    ['a registry port but no tag', 'registry.local:5000/kube-vip'],
  ])('refuses an image with %s, and takes a digest', (_what, image) => {
    const { text, result } = withApiServer({ host: '172.17.11.100', kubeVip: { interface: 'eth0', image } });
    expectProblem(result, { file: FILE, field: 'apiServer.kubeVip.image', line: lineOf(text, 'image:'), message: /is not pinned/, fix: /ghcr\.io\/kube-vip\/kube-vip:v1\.2\.3/ });
    expectNoErrors(withApiServer({ host: '172.17.11.100', kubeVip: { interface: 'eth0', image: `${image.replace(/:latest$/, '')}@sha256:${'0'.repeat(64)}` } }).result);
  });

  it('refuses an interface name Linux would not take', () => {
    const { text, result } = withApiServer({ host: '172.17.11.100', kubeVip: { interface: 'eth0/1' } });
    expectProblem(result, { file: FILE, field: 'apiServer.kubeVip.interface', line: lineOf(text, 'interface:'), message: /./, fix: /./ });
  });
});
