import { Testing } from 'cdk8s';
import { meshChart } from '../support/mesh-chart';
import { parse } from 'yaml';
import { ClusterMeshRemoteUsers, remoteUsersYaml } from '../../lib/constructs/clustermesh-remote-users';

describe('ClusterMeshRemoteUsers', () => {
  it('renders ConfigMap clustermesh-remote-users with one remote user per peer, never pruned', () => {
    const chart = meshChart();
    new ClusterMeshRemoteUsers(chart, 'u', { namespace: 'kube-system', users: ['remote-k3scl1', 'remote-k3scl3'] });
    const [cm] = Testing.synth(chart);
    expect(cm).toMatchSnapshot();
    expect(cm).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'clustermesh-remote-users', namespace: 'kube-system' } });
    expect(cm.metadata.annotations['kustomize.toolkit.fluxcd.io/prune']).toBe('disabled');
    expect(Object.keys(cm.data)).toEqual(['users.yaml']);
    expect(parse(cm.data['users.yaml'])).toEqual({ users: [{ name: 'remote-k3scl1', role: 'remote' }, { name: 'remote-k3scl3', role: 'remote' }] });
  });

  it("writes the chart's own text", () => {
    expect(remoteUsersYaml(['remote-a'])).toBe('users:\n- name: remote-a\n  role: remote\n');
    expect(remoteUsersYaml([])).toBe('users:\n');
  });

  it('refuses names that are not remote cluster users, and duplicates', () => {
    expect(() => new ClusterMeshRemoteUsers(meshChart(), 'u', { namespace: 'kube-system', users: ['admin'] })).toThrow(/not a remote cluster user/);
    expect(() => new ClusterMeshRemoteUsers(meshChart(), 'u', { namespace: 'kube-system', users: ['remote-a', 'remote-a'] })).toThrow(/distinct/);
  });
});
