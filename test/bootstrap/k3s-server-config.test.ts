import { k3sServerConfigs } from '../../lib/bootstrap/k3s-server-config';
import { editFile, exampleInventory, meshOf } from '../support/inventory-fixture';

describe('k3sServerConfigs', () => {
  it('configures k3s for Cilium: no flannel, kube-proxy, network policy, traefik or servicelb', () => {
    const mesh = meshOf(exampleInventory());
    const [node] = k3sServerConfigs(mesh, mesh.clusters[1]);
    expect(node.nodeName).toBe('k3scl2-server');
    expect(node.config).toEqual({
      'cluster-init': true,
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
    expect(node.config['no-deploy']).toBeUndefined();
  });

  it('lets further servers join the first and skips agents', () => {
    const files = editFile(exampleInventory(), 'k3scl1.yaml', (c) =>
      c.nodes.push({ name: 'k3scl1-server-2', ip: '172.17.11.21', role: 'server' }, { name: 'k3scl1-agent', ip: '172.17.11.31', role: 'agent' }),
    );
    const mesh = meshOf(files);
    const configs = k3sServerConfigs(mesh, mesh.clusters[0]);
    expect(configs.map((c) => c.nodeName)).toEqual(['k3scl1-server', 'k3scl1-server-2']);
    expect(configs[1].config['cluster-init']).toBeUndefined();
    expect(configs[1].config.server).toBe('https://172.17.11.11:6443');
    expect(configs[1].config['node-ip']).toBe('172.17.11.21');
    expect(configs[0].config['tls-san']).toEqual(['172.17.11.11', '172.17.11.21']);
  });

  it('keeps kube-proxy when Cilium does not replace it', () => {
    const mesh = meshOf(editFile(exampleInventory(), 'mesh.yaml', (m) => (m.cilium.kubeProxyReplacement = false)));
    expect(k3sServerConfigs(mesh, mesh.clusters[0])[0].config['disable-kube-proxy']).toBeUndefined();
  });
});
