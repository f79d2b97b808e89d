/**
 * The trust bundle and the certificate method as the packaged Cilium chart
 * reads them, in the phases of a CA rotation: the values ciliumHelmValues
 * renders for a cluster of the example, with two CAs trusted and either one
 * issuing, rendered with `helm template` (valuesContent, then the CA Secret's
 * values, as helm-controller passes them). Every object passes the schemas and
 * the API server's rules; the consumers of the mesh CA read the bundle; the
 * chart's `cilium-ca` (what certgen issues from) is the issuing CA; and the
 * certgen Job changes its name, so helm runs it again, when the issuer changes.
 */
import { stringify } from 'yaml';
import { ciliumHelmValues } from '../../lib/cilium/helm-values';
import { CommittedSecrets } from '../../lib/model/committed-secrets';
import { TESTED_CILIUM_PATCHES } from '../../lib/model/cilium-versions';
import { caValuesText } from '../../lib/secrets/mesh-ca/ca-secret';
import { createMeshCa, inspectCertificate, MeshCaMaterial } from '../../lib/secrets/mesh-ca/certificate';
import { apiServerProblems } from '../support/api-rules';
import { chartArchive, missingHelm, renderCiliumChart } from '../support/helm';
import { exampleWithVersion, meshOf } from '../support/inventory-fixture';
import { describeWithShared } from '../support/paths';
import { KubeObject, validateKubeObject } from '../support/schema-validator';

type Obj = KubeObject & { spec?: any; data?: Record<string, string> };
const VERSIONS = Object.values(TESTED_CILIUM_PATCHES);
const KINDS_WITHOUT_SCHEMA = new Set(['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);
const find = (objects: readonly Obj[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata?.name === name);
const jobsOf = (objects: readonly Obj[]) => objects.filter((o) => o.kind === 'Job' && String(o.metadata?.name).startsWith('clustermesh-apiserver-generate-certs'));

/** The projected sources of a pod volume. */
function projectedSources(workload: Obj | undefined, volume: string): any[] {
  const v = (workload?.spec?.template?.spec?.volumes ?? []).find((x: any) => x.name === volume);
  return v?.projected?.sources ?? [];
}

// The chart archives from ../shared or the test-data cache, and a helm: one on PATH, else ../shared's stand-in.
describeWithShared('the trust bundle through the packaged chart', VERSIONS.map(chartArchive), () => {
  let oldCa: MeshCaMaterial;
  let newCa: MeshCaMaterial;
  let bundle: string;
  beforeAll(async () => {
    [oldCa, newCa] = await Promise.all([createMeshCa({ meshName: 'example', days: 30 }), createMeshCa({ meshName: 'example', days: 60 })]);
    bundle = `${oldCa.certPem}${newCa.certPem}`;
  });

  /** The chart of cluster k3scl1 with both CAs trusted and `issuer` issuing (phases trust-both and issue-new). */
  async function render(version: string, issuer: MeshCaMaterial): Promise<Obj[]> {
    const mesh = meshOf(exampleWithVersion(version));
    const committed: CommittedSecrets = { trustBundlePem: bundle, issuerFingerprintSha256: inspectCertificate(issuer.certPem).fingerprintSha256 };
    const values = ciliumHelmValues(mesh, mesh.clusters[0], committed);
    return (await renderCiliumChart(version, mesh.cilium.namespace, [stringify(values), caValuesText(issuer)])) as Obj[];
  }

  describe.each(VERSIONS)('Cilium %s', (version) => {
    let trustBoth: Obj[];
    let issueNew: Obj[];
    beforeAll(async () => {
      [trustBoth, issueNew] = await Promise.all([render(version, oldCa), render(version, newCa)]);
    });

    it('renders objects the schemas and the API server accept', () => {
      const problems = [...trustBoth, ...issueNew].flatMap((o) => [...(KINDS_WITHOUT_SCHEMA.has(String(o.kind)) ? [] : validateKubeObject(o).errors), ...apiServerProblems(o)].map((p) => `${o.kind}/${o.metadata?.name}: ${p}`));
      expect(problems).toEqual([]);
    });

    it('renders ConfigMap cilium-root-ca.crt with both CAs', () => {
      expect(find(trustBoth, 'ConfigMap', 'cilium-root-ca.crt')?.data?.['ca.crt']?.trim()).toBe(bundle.trim());
    });

    it('has the etcd server, the agents and KVStoreMesh trust the bundle, not the certificates\' ca.crt', () => {
      const fromBundle = (sources: any[], path: string) => sources.some((s) => s.configMap?.name === 'cilium-root-ca.crt' && s.configMap.items?.some((i: any) => i.key === 'ca.crt' && i.path === path));
      const fromCertificate = (sources: any[], path: string) => sources.some((s) => s.secret?.items?.some((i: any) => i.path === path));
      const apiserver = find(trustBoth, 'Deployment', 'clustermesh-apiserver');
      const etcd = apiserver?.spec.template.spec.containers.find((c: any) => c.name === 'etcd');
      expect(etcd?.args).toContain('--trusted-ca-file=/var/lib/etcd-secrets/ca.crt');
      expect(fromBundle(projectedSources(apiserver, 'etcd-server-secrets'), 'ca.crt')).toBe(true);
      expect(fromCertificate(projectedSources(apiserver, 'etcd-server-secrets'), 'ca.crt')).toBe(false);
      expect(fromBundle(projectedSources(apiserver, 'kvstoremesh-secrets'), 'common-etcd-client-ca.crt')).toBe(true);
      const agent = find(trustBoth, 'DaemonSet', 'cilium');
      expect(fromBundle(projectedSources(agent, 'clustermesh-secrets'), 'common-etcd-client-ca.crt')).toBe(true);
      expect(fromCertificate(projectedSources(agent, 'clustermesh-secrets'), 'common-etcd-client-ca.crt')).toBe(false);
    });

    it('issues from the phase\'s issuer: the chart\'s cilium-ca, which certgen reuses, is that CA', () => {
      const caOf = (objects: Obj[]) => Buffer.from(find(objects, 'Secret', 'cilium-ca')!.data!['ca.crt'], 'base64').toString('utf8').trim();
      expect(caOf(trustBoth)).toBe(oldCa.certPem.trim());
      expect(caOf(issueNew)).toBe(newCa.certPem.trim());
      const args = jobsOf(trustBoth)[0]?.spec.template.spec.containers[0].args;
      expect(args).toEqual(expect.arrayContaining(['--ca-reuse-secret', '--ca-secret-name=cilium-ca']));
    });

    it('renews on the schedule, and runs the certgen Job again when the issuer changes', () => {
      const cronJob = find(trustBoth, 'CronJob', 'clustermesh-apiserver-generate-certs');
      expect(cronJob?.spec.schedule).toBe('0 0 1 */4 *');
      const [before] = jobsOf(trustBoth);
      const [after] = jobsOf(issueNew);
      expect(before && after).toBeTruthy();
      if (Number(version.split('.')[1]) >= 19) {
        // 1.19 and 1.20 name the Job after a checksum of its spec: a new name is a new Job, which runs.
        expect(after.metadata!.name).not.toBe(before.metadata!.name);
      } else {
        // 1.18 runs it as a post-install/post-upgrade hook: at every helm upgrade.
        expect(after.metadata?.annotations?.['helm.sh/hook']).toBe('post-install,post-upgrade');
      }
    });
  });
}, missingHelm());
