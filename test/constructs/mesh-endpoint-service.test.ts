import { Testing } from 'cdk8s';
import { meshChart } from '../support/mesh-chart';
import { MeshEndpointService } from '../../lib/constructs/mesh-endpoint-service';

describe('MeshEndpointService', () => {
  it('exposes clustermesh-apiserver etcd on the given NodePort', () => {
    const chart = meshChart();
    new MeshEndpointService(chart, 'endpoint', { namespace: 'kube-system', nodePort: 32380 });
    const [svc] = Testing.synth(chart);
    expect(svc).toMatchSnapshot();
    expect(svc.kind).toBe('Service');
    expect(svc.metadata).toMatchObject({ name: 'clustermesh-apiserver-nodeport', namespace: 'kube-system' });
    expect(svc.spec.type).toBe('NodePort');
    expect(svc.spec.selector).toEqual({ 'k8s-app': 'clustermesh-apiserver' });
    expect(svc.spec.ports).toEqual([{ name: 'etcd', port: 2379, targetPort: 2379, nodePort: 32380, protocol: 'TCP' }]);
  });

  it('refuses a value that is not a port', () => {
    expect(() => new MeshEndpointService(meshChart(), 'e', { namespace: 'kube-system', nodePort: 70000 })).toThrow(/nodePort must be a port number/);
  });
});
