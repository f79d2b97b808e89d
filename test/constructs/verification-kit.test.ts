import { execFileSync } from 'child_process';
import { Testing } from 'cdk8s';
import { meshChart } from '../support/mesh-chart';
import { CURL_IMAGE, ECHO_IMAGE, VerificationKit, verifyGuide } from '../../lib/constructs/verification-kit';
import { editFile, meshOf } from '../support/inventory-fixture';
import { policyExample } from '../fixtures/policy-example';

const MESH = ['k3scl1', 'k3scl2', 'k3scl3'];

function render(defaultDeny?: 'ingress' | 'egress' | 'both') {
  const chart = meshChart();
  new VerificationKit(chart, 'kit', { namespace: 'mesh-check', clusterName: 'k3scl2', meshClusters: MESH, calls: 60, defaultDeny });
  return Testing.synth(chart);
}

describe('VerificationKit', () => {
  it('renders a namespace, an echo server answering with the cluster name, a global Service and a check Job', () => {
    const objects = render();
    expect(objects).toMatchSnapshot();
    expect(objects.map((o) => `${o.kind} ${o.metadata.name}`)).toEqual(['Namespace mesh-check', 'Service echo', 'Deployment echo', 'Job mesh-check']);
    const svc = objects.find((o) => o.kind === 'Service');
    expect(svc.metadata.annotations).toEqual({ 'service.cilium.io/global': 'true', 'service.cilium.io/shared': 'true', 'service.cilium.io/affinity': 'none' });
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 5678, protocol: 'TCP' }]);

    const echo = objects.find((o) => o.kind === 'Deployment');
    const container = echo.spec.template.spec.containers[0];
    expect(container.image).toBe(ECHO_IMAGE);
    expect(container.args).toEqual(['-listen=:5678', '-text=k3scl2']);
    expect(echo.spec.selector.matchLabels).toEqual(svc.spec.selector);
    expect(echo.spec.template.metadata.labels).toMatchObject(svc.spec.selector);

    const job = objects.find((o) => o.kind === 'Job');
    expect(job.spec.backoffLimit).toBe(0);
    expect(job.metadata.annotations['kustomize.toolkit.fluxcd.io/force']).toBe('Enabled');
    const check = job.spec.template.spec.containers[0];
    expect(check.image).toBe(CURL_IMAGE);
    expect(Object.fromEntries(check.env.map((e: any) => [e.name, e.value]))).toEqual({ URL: 'http://echo.mesh-check.svc/', CLUSTER: 'k3scl2', EXPECT: 'k3scl1 k3scl2 k3scl3', CALLS: '60', ROUNDS: '10', PAUSE: '15' });
  });

  it('brings allows for its own traffic when a default deny closes its namespace', () => {
    expect(render().filter((o) => o.kind === 'CiliumNetworkPolicy')).toEqual([]);
    const policies = render('both').filter((o) => o.kind === 'CiliumNetworkPolicy');
    expect(policies.map((p) => p.metadata.name)).toEqual(['mesh-check-egress', 'mesh-check-ingress']);
    const [egress, ingress] = policies;
    expect(egress.spec.endpointSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'mesh-check-client', 'io.cilium.k8s.policy.cluster': 'k3scl2' });
    expect(egress.spec.egress[0].toEndpoints[0].matchExpressions).toEqual([{ key: 'io.cilium.k8s.policy.cluster', operator: 'In', values: MESH }]);
    expect(egress.spec.egress[0].toPorts).toEqual([{ ports: [{ port: '5678', protocol: 'TCP' }] }]);
    expect(ingress.spec.endpointSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'mesh-check-echo', 'io.cilium.k8s.policy.cluster': 'k3scl2' });
  });

  describe('the check script', () => {
    const script = render().find((o) => o.kind === 'Job').spec.template.spec.containers[0].command[2];
    /** Runs the script with a fake curl that answers from `answers` in turn. */
    function run(answers: string[], expect = 'k3scl1 k3scl2 k3scl3'): { code: number; out: string } {
      const fakeBin = execFileSync('mktemp', ['-d'], { encoding: 'utf8' }).trim();
      execFileSync('sh', ['-c', `mkdir -p ${fakeBin}/tmp && cat > ${fakeBin}/curl && chmod +x ${fakeBin}/curl`], {
        input: `#!/bin/sh\nn=$(cat ${fakeBin}/n 2>/dev/null || echo 0); echo $((n + 1)) > ${fakeBin}/n\nset -- ${answers.map((a) => `'${a}'`).join(' ')}\nshift $((n % $#))\n[ "$1" = none ] && exit 28\necho "$1"\n`,
      });
      try {
        const out = execFileSync('sh', ['-c', script.replace(/\/tmp\//g, `${fakeBin}/tmp/`)], {
          encoding: 'utf8',
          env: { PATH: `${fakeBin}:/usr/bin:/bin`, URL: 'http://echo/', CLUSTER: 'k3scl2', EXPECT: expect, CALLS: '6', ROUNDS: '2', PAUSE: '0' },
        });
        return { code: 0, out };
      } catch (err: any) {
        return { code: err.status, out: String(err.stdout) };
      } finally {
        execFileSync('rm', ['-rf', fakeBin]);
      }
    }

    it('expects an answer from every cluster of the mesh', () => {
      const job = render().find((o) => o.kind === 'Job');
      const env = Object.fromEntries(job.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
      expect(env.EXPECT).toBe('k3scl1 k3scl2 k3scl3');
    });

    it('passes when every cluster answered, listing the answers by cluster', () => {
      const { code, out } = run(['k3scl1', 'k3scl2', 'k3scl2', 'k3scl3', 'k3scl2', 'none']);
      expect(code).toBe(0);
      expect(out).toMatch(/1 k3scl1/);
      expect(out).toMatch(/3 k3scl2/);
      expect(out).toMatch(/PASS: every cluster answered \(k3scl1 k3scl2 k3scl3\)/);
      expect(out).not.toMatch(/round 2/);
    });

    it('fails when one remote cluster never answered, naming it, after every round', () => {
      const { code, out } = run(['k3scl1', 'k3scl2', 'none']);
      expect(code).toBe(1);
      expect(out).toMatch(/round 2 of 2/);
      expect(out).toMatch(/FAIL: no answer from: k3scl3;/);
    });

    it('counts answers across rounds', () => {
      // Round 1 (6 calls) hears k3scl1 and k3scl2 only; round 2 hears k3scl3 too.
      const { code, out } = run(['k3scl1', 'k3scl2', 'k3scl1', 'k3scl2', 'k3scl1', 'k3scl2', 'k3scl3', 'k3scl3', 'k3scl3', 'k3scl3', 'k3scl3', 'k3scl3']);
      expect(code).toBe(0);
      expect(out).toMatch(/round 2 of 2/);
      expect(out).toMatch(/PASS/);
    });
  });
});

describe('verifyGuide', () => {
  it('says how to read the result and what Cilium shows', () => {
    const mesh = meshOf(policyExample());
    const text = verifyGuide(mesh, 'k3scl1');
    expect(text).toContain('kubectl -n mesh-check logs job/mesh-check');
    expect(text).toContain('kubectl -n mesh-check wait --for=condition=complete job/mesh-check');
    expect(text).toContain('cilium-dbg node list');
    expect(text).toContain('cilium-dbg service list');
    expect(text).toContain('cilium clustermesh status --wait');
    expect(text).toContain('k3scl2, k3scl3');
  });

  it('is only for a mesh with the kit on', () => {
    // Without the kit, its namespace is unknown, so the example's default deny for it goes too.
    const files = editFile(policyExample(), 'policies.yaml', (p) => delete p.defaultDeny);
    const mesh = meshOf(editFile(files, 'mesh.yaml', (m) => (m.verificationKit.enabled = false)));
    expect(mesh.verificationKit).toBeUndefined();
    expect(() => verifyGuide(mesh, 'k3scl1')).toThrow(/not enabled/);
  });
});
