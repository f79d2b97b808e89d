/**
 * The k3s config of every node: servers run k3s for Cilium and agree on the
 * settings k3s requires to be equal; the first starts etcd, the others and the
 * agents join where the API is published; every node reads the join token
 * from a file, so no token is ever in the output.
 */
import { K3S_CRITICAL_SERVER_KEYS, K3S_TOKEN_FILE, k3sNodeConfigs, NodeConfig, topologyConflicts } from '../../lib/bootstrap/k3s-node-config';
import { renderMesh } from '../../lib/mesh-manifests';
import { editFile, exampleInventory, meshOf, exampleSecrets } from '../support/inventory-fixture';

/** k3s's "critical configuration values" the product sets: they must be equal on every server. */
const CRITICAL = ['cluster-cidr', 'service-cidr', 'flannel-backend', 'disable-network-policy', 'disable-kube-proxy', 'disable'];

/** The configs with one node's config changed. */
const edited = (configs: NodeConfig[], node: string, edit: (config: Record<string, unknown>) => void): NodeConfig[] =>
  configs.map((c) => {
    if (c.nodeName !== node) return c;
    const config = { ...c.config };
    edit(config);
    return { ...c, config };
  });

/** The example's k3scl1 with two more servers and two agents, optionally behind an API address. */
function haMesh(apiHost?: string) {
  const files = editFile(exampleInventory(), 'k3scl1.yaml', (c) => {
    c.nodes.push(
      { name: 'k3scl1-server-2', ip: '172.17.11.21', role: 'server' },
      { name: 'k3scl1-server-3', ip: '172.17.11.22', role: 'server' },
      { name: 'k3scl1-agent-1', ip: '172.17.11.31', role: 'agent' },
      { name: 'k3scl1-agent-2', ip: '172.17.11.32', role: 'agent' },
    );
    if (apiHost) c.apiServer = { host: apiHost };
  });
  return meshOf(files);
}

describe('k3sNodeConfigs', () => {
  it('configures a server for Cilium: no flannel, kube-proxy, network policy, traefik or servicelb', () => {
    const mesh = meshOf(exampleInventory());
    const [node] = k3sNodeConfigs(mesh, mesh.clusters[1]);
    expect(node).toMatchObject({ nodeName: 'k3scl2-server', role: 'server' });
    expect(node.config).toEqual({
      'cluster-init': true,
      'token-file': K3S_TOKEN_FILE,
      'node-name': 'k3scl2-server',
      'node-ip': '172.17.11.12',
      'cluster-cidr': '10.12.0.0/16',
      'service-cidr': '10.43.0.0/16',
      'service-node-port-range': '30000-32767',
      'flannel-backend': 'none',
      'disable-network-policy': true,
      'disable-kube-proxy': true,
      disable: ['traefik', 'servicelb'],
      'tls-san': ['172.17.11.12'],
    });
  });

  it('gives every node a config: further servers and agents join the first server, agents with agent settings only', () => {
    const mesh = haMesh();
    const configs = k3sNodeConfigs(mesh, mesh.clusters[0]);
    expect(configs.map((c) => `${c.nodeName} ${c.role}`)).toEqual(['k3scl1-server server', 'k3scl1-server-2 server', 'k3scl1-server-3 server', 'k3scl1-agent-1 agent', 'k3scl1-agent-2 agent']);
    for (const joining of configs.slice(1)) expect(joining.config.server).toBe('https://172.17.11.11:6443');
    expect(configs.filter((c) => c.config['cluster-init'] === true).map((c) => c.nodeName)).toEqual(['k3scl1-server']);
    const agent = configs.find((c) => c.nodeName === 'k3scl1-agent-2')!;
    expect(agent.config).toEqual({ server: 'https://172.17.11.11:6443', 'token-file': K3S_TOKEN_FILE, 'node-name': 'k3scl1-agent-2', 'node-ip': '172.17.11.32' });
    expect(configs[0].config['tls-san']).toEqual(['172.17.11.11', '172.17.11.21', '172.17.11.22']);
  });

  it('makes every server agree on the values k3s requires to be equal', () => {
    const mesh = haMesh();
    const servers = k3sNodeConfigs(mesh, mesh.clusters[0]).filter((c) => c.role === 'server');
    for (const key of CRITICAL) expect(new Set(servers.map((s) => JSON.stringify(s.config[key]))).size).toBe(1);
  });

  it('checks the configs as k3s would: a critical value set differently on one server, a server key on an agent', () => {
    const configs = k3sNodeConfigs(haMesh(), haMesh().clusters[0]);
    expect(topologyConflicts(configs)).toEqual([]);
    // Every critical value the product sets is in k3s's list, so the check covers it.
    for (const key of CRITICAL) expect(K3S_CRITICAL_SERVER_KEYS).toContain(key);
    for (const key of CRITICAL) {
      const conflicts = topologyConflicts(edited(configs, 'k3scl1-server-3', (c) => (c[key] = 'other')));
      expect(conflicts).toEqual([expect.stringMatching(new RegExp(`^${key} is .* on k3scl1-server, k3scl1-server-2 but "other" on k3scl1-server-3$`))]);
    }
    expect(topologyConflicts(edited(configs, 'k3scl1-server-2', (c) => (c['cluster-dns'] = '10.43.0.10')))).toEqual(['cluster-dns is unset on k3scl1-server, k3scl1-server-3 but "10.43.0.10" on k3scl1-server-2']);
    expect(topologyConflicts(edited(configs, 'k3scl1-agent-1', (c) => (c['cluster-cidr'] = '10.11.0.0/16')))).toEqual(['agent k3scl1-agent-1 holds server settings cluster-cidr']);
    expect(topologyConflicts(edited(configs, 'k3scl1-server-2', (c) => (c['cluster-init'] = true)))).toEqual(['exactly one server must start the cluster (cluster-init)']);
  });

  it('joins through the published API address and signs it into the API certificate', () => {
    const mesh = haMesh('api.k3scl1.example.com');
    const configs = k3sNodeConfigs(mesh, mesh.clusters[0]);
    for (const joining of configs.slice(1)) expect(joining.config.server).toBe('https://api.k3scl1.example.com:6443');
    expect(configs[0].config['tls-san']).toEqual(['api.k3scl1.example.com', '172.17.11.11', '172.17.11.21', '172.17.11.22']);
  });

  it('keeps kube-proxy when Cilium does not replace it', () => {
    const mesh = meshOf(editFile(exampleInventory(), 'mesh.yaml', (m) => (m.cilium.kubeProxyReplacement = false)));
    expect(k3sNodeConfigs(mesh, mesh.clusters[0])[0].config['disable-kube-proxy']).toBeUndefined();
  });

  it('renders a config file for every node and no token anywhere', () => {
    const mesh = haMesh();
    const files = renderMesh(mesh, exampleSecrets());
    expect(files.filter((f) => f.path.startsWith('k3scl1/bootstrap/k3s-config-')).map((f) => f.path.split('/')[2])).toEqual(mesh.clusters[0].nodes.map((n) => `k3s-config-${n.name}.yaml`));
    for (const f of files) expect({ path: f.path, token: /^\s*token:/m.test(f.content) }).toEqual({ path: f.path, token: false });
  });
});
