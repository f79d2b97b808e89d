import { Testing } from 'cdk8s';
import { HostAliasesPatch, toPodHostAliases } from '../../lib/constructs/host-aliases-patch';
import { plainChart } from '../support/mesh-chart';

describe('HostAliasesPatch', () => {
  const aliases = [
    { hostname: 'k3scl1.mesh.cilium.io', ips: ['172.17.11.11'] },
    { hostname: 'k3scl3.mesh.cilium.io', ips: ['172.17.11.13', '172.17.11.23'] },
  ];

  it('patches the clustermesh-apiserver Deployment server-side, never pruned', () => {
    const chart = plainChart();
    new HostAliasesPatch(chart, 'p', { namespace: 'kube-system', workload: { kind: 'Deployment', name: 'clustermesh-apiserver' }, aliases });
    const [patch] = Testing.synth(chart);
    expect(patch).toMatchSnapshot();
    expect(patch).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'clustermesh-apiserver', namespace: 'kube-system' } });
    expect(patch.metadata.annotations).toEqual({
      'kustomize.toolkit.fluxcd.io/ssa': 'Merge',
      'kustomize.toolkit.fluxcd.io/prune': 'disabled',
      'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false,ServerSideApply=true,Validate=false',
    });
    // Helm owns the workload's labels: the patch carries none.
    expect(Object.keys(patch.metadata).sort()).toEqual(['annotations', 'name', 'namespace']);
    expect(Object.keys(patch.spec)).toEqual(['template']);
    expect(patch.spec.template.spec.hostAliases).toEqual([
      { ip: '172.17.11.11', hostnames: ['k3scl1.mesh.cilium.io'] },
      { ip: '172.17.11.13', hostnames: ['k3scl3.mesh.cilium.io'] },
      { ip: '172.17.11.23', hostnames: ['k3scl3.mesh.cilium.io'] },
    ]);
  });

  it('patches the agent DaemonSet when the agents dial the peers', () => {
    const chart = plainChart();
    new HostAliasesPatch(chart, 'p', { namespace: 'kube-system', workload: { kind: 'DaemonSet', name: 'cilium' }, aliases });
    expect(Testing.synth(chart)[0]).toMatchObject({ kind: 'DaemonSet', metadata: { name: 'cilium' } });
  });

  it('groups hostnames that share an IP into one entry', () => {
    expect(toPodHostAliases([{ hostname: 'b.mesh.cilium.io', ips: ['10.0.0.1'] }, { hostname: 'a.mesh.cilium.io', ips: ['10.0.0.1'] }])).toEqual([
      { ip: '10.0.0.1', hostnames: ['a.mesh.cilium.io', 'b.mesh.cilium.io'] },
    ]);
  });

  it('refuses an alias without IPs', () => {
    expect(() => new HostAliasesPatch(plainChart(), 'p', { namespace: 'kube-system', workload: { kind: 'DaemonSet', name: 'cilium' }, aliases: [{ hostname: 'x', ips: [] }] })).toThrow(/at least one IP/);
  });
});
