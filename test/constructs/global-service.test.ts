import { Testing } from 'cdk8s';
import { meshChart } from '../support/mesh-chart';
import { GlobalServiceResources } from '../../lib/constructs/global-service';
import { MeshNamespace } from '../../lib/constructs/namespace';
import { DEFAULTS } from '../../lib/inventory/defaults';
import { editFile, exampleInventory, meshOf } from '../support/inventory-fixture';

function render(clusterName: string, files = exampleInventory()) {
  const mesh = meshOf(files);
  const chart = meshChart();
  for (const svc of mesh.globalServices) new GlobalServiceResources(chart, svc.name, { service: svc, clusterName });
  return Testing.synth(chart);
}

describe('GlobalServiceResources', () => {
  it('renders the annotated Service and, where the backend runs, its Deployment', () => {
    const objects = render('k3scl1');
    expect(objects).toMatchSnapshot();
    const svc = objects.find((o) => o.kind === 'Service')!;
    expect(svc.metadata).toMatchObject({ name: 'nginx-global', namespace: 'test' });
    expect(svc.metadata.annotations).toEqual({ 'service.cilium.io/global': 'true', 'service.cilium.io/shared': 'true' });
    expect(svc.spec.selector).toEqual({ app: 'nginx' });
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 80, protocol: 'TCP' }]);
    const deployment = objects.find((o) => o.kind === 'Deployment')!;
    expect(deployment.metadata).toMatchObject({ name: 'nginx', namespace: 'test' });
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.selector.matchLabels).toEqual({ app: 'nginx' });
    expect(deployment.spec.template.metadata.labels).toMatchObject({ app: 'nginx' });
    expect(deployment.spec.template.spec.containers).toHaveLength(1);
    expect(deployment.spec.template.spec.containers[0]).toMatchObject({ image: 'nginx:1', ports: [{ containerPort: 80 }] });
  });

  it('gives the backend the defaults the inventory documents and nothing a library adds', () => {
    const deployment = render('k3scl1').find((o) => o.kind === 'Deployment')!;
    const [container] = deployment.spec.template.spec.containers;
    expect(container.imagePullPolicy).toBe(DEFAULTS.GlobalServices.services[0].backend.imagePullPolicy);
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } });
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, runAsNonRoot: false });
    // Only the selector labels on the pods: no cdk8s.io/metadata.addr; no strategy, DNS or restart fields nobody chose.
    expect(deployment.spec.template.metadata.labels).toEqual({ app: 'nginx' });
    expect(Object.keys(deployment.spec).sort()).toEqual(['replicas', 'selector', 'template']);
    expect(Object.keys(deployment.spec.template.spec).sort()).toEqual(['automountServiceAccountToken', 'containers']);
  });

  it('takes pull policy, resources and runAsNonRoot from the inventory', () => {
    const files = editFile(exampleInventory(), 'services.yaml', (s) =>
      Object.assign(s.services[0].backend, { imagePullPolicy: 'Always', runAsNonRoot: true, resources: { requests: { cpu: '250m' }, limits: { cpu: '1', memory: '1Gi' } } }),
    );
    const [container] = render('k3scl1', files).find((o) => o.kind === 'Deployment')!.spec.template.spec.containers;
    expect(container.imagePullPolicy).toBe('Always');
    expect(container.resources).toEqual({ requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '1', memory: '1Gi' } });
    expect(container.securityContext.runAsNonRoot).toBe(true);
  });

  it('renders only the Service where no backend runs', () => {
    const objects = render('k3scl2');
    expect(objects.map((o) => o.kind)).toEqual(['Service']);
  });

  it('sets affinity and shared from the inventory', () => {
    const files = editFile(exampleInventory(), 'services.yaml', (s) => Object.assign(s.services[0], { affinity: 'local', shared: false }));
    const svc = render('k3scl3', files)[0];
    expect(svc.metadata.annotations).toEqual({ 'service.cilium.io/global': 'true', 'service.cilium.io/shared': 'false', 'service.cilium.io/affinity': 'local' });
  });

  it('refuses a cluster where the service does not exist', () => {
    const files = editFile(exampleInventory(), 'services.yaml', (s) => (s.services[0].clusters = ['k3scl1']));
    expect(() => render('k3scl2', files)).toThrow(/does not exist in cluster k3scl2/);
  });
});

describe('MeshNamespace', () => {
  it('is never pruned', () => {
    const chart = meshChart();
    new MeshNamespace(chart, 'ns', { name: 'test' });
    const [ns] = Testing.synth(chart);
    expect(ns).toMatchSnapshot();
    expect(ns).toMatchObject({ kind: 'Namespace', metadata: { name: 'test' } });
    expect(ns.metadata.annotations['kustomize.toolkit.fluxcd.io/prune']).toBe('disabled');
    expect(ns.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Prune=false,Delete=false');
  });

  it('refuses namespaces every cluster has', () => {
    expect(() => new MeshNamespace(meshChart(), 'ns', { name: 'kube-system' })).toThrow(/exists in every cluster/);
  });
});
