/**
 * Chart conformance: every cluster's HelmChart rendered through the packaged
 * Cilium chart, with its values exactly as the k3s helm-controller passes them
 * (valuesContent, then the valuesSecrets content: here a throwaway CA), for every
 * supported version with KVStoreMesh on and off. What the chart renders must be
 * accepted by the API server and must find every ConfigMap and Secret its pods
 * need, in its own output or in dist/<cluster>/; and the peer Secrets, remote
 * users and host aliases the project writes must equal what the chart itself
 * renders when it is given the peers (`clustermesh.config.enabled: true`).
 */
import { X509Certificate } from 'crypto';
import { stringify, parse } from 'yaml';
import { caValuesText } from '../../lib/secrets/mesh-ca/ca-secret';
import { createMeshCa } from '../../lib/secrets/mesh-ca/certificate';
import { Cluster, Mesh } from '../../lib/model/mesh';
import { HUBBLE_SERVER_PORT } from '../../lib/cilium/firewall-ports';
import { CERTGEN_CA_LABEL, HUBBLE_RELAY_SERVICE_PORT, HUBBLE_RELAY_TLS_SERVER_NAME, HUBBLE_UI_SERVICE_PORT } from '../../lib/cilium/helm-values';
import { apiServerProblems } from '../support/api-rules';
import { chartArchive, missingHelm, renderCiliumChart } from '../support/helm';
import { describeWithShared } from '../support/paths';
import { isPartialPatch, KubeObject, validateKubeObject } from '../support/schema-validator';
import { CHECKED_PROJECT, ENDPOINT_VARIANT, inventoryCluster, MATRIX, minorOf, objectId, objectsIn, RenderCase, Rendered, renderEndpointVariants, renderUnderTest, STAGE_FOLDER } from './rendered';

type Obj = KubeObject & { spec?: any; data?: Record<string, string> };

interface ClusterCharts {
  readonly cluster: string;
  /** Every object of the cluster's stage folders. */
  readonly shipped: Obj[];
  readonly helmChart: Obj;
  /** The chart rendered with the cluster's values (undefined with `error` when helm failed). */
  readonly chart?: Obj[];
  readonly error?: string;
  /**
   * The chart rendered with the same values plus the peers in `clustermesh.config`: what the chart
   * itself would write. Only where the case compares with it (comparesWithChartPeers).
   */
  readonly reference?: Obj[];
}

const POD_OWNERS = new Set(['Deployment', 'DaemonSet', 'StatefulSet', 'Job', 'CronJob', 'Pod']);
/**
 * Kinds the chart renders that ../shared/schemas has no schema for: their
 * API server rules (names) are still checked. Any other kind without a schema fails.
 */
const KINDS_WITHOUT_SCHEMA = new Set(['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);

function find(objects: readonly Obj[], kind: string, name: string): Obj | undefined {
  return objects.find((o) => o.kind === kind && o.metadata?.name === name);
}

function podSpec(o: Obj): any {
  if (o.kind === 'Pod') return o.spec;
  if (o.kind === 'CronJob') return o.spec?.jobTemplate?.spec?.template?.spec;
  return o.spec?.template?.spec;
}

/** ConfigMaps and Secrets a pod mounts or reads, and whether each is optional. */
function podReferences(spec: any): { kind: 'ConfigMap' | 'Secret'; name: string; optional: boolean; via: string }[] {
  const refs: { kind: 'ConfigMap' | 'Secret'; name: string; optional: boolean; via: string }[] = [];
  for (const v of spec?.volumes ?? []) {
    if (v.configMap) refs.push({ kind: 'ConfigMap', name: v.configMap.name, optional: v.configMap.optional === true, via: `volume ${v.name}` });
    if (v.secret) refs.push({ kind: 'Secret', name: v.secret.secretName, optional: v.secret.optional === true, via: `volume ${v.name}` });
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap) refs.push({ kind: 'ConfigMap', name: s.configMap.name, optional: s.configMap.optional === true, via: `projected volume ${v.name}` });
      if (s.secret) refs.push({ kind: 'Secret', name: s.secret.name, optional: s.secret.optional === true, via: `projected volume ${v.name}` });
    }
  }
  for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
    for (const e of c.env ?? []) {
      const cm = e.valueFrom?.configMapKeyRef;
      const sk = e.valueFrom?.secretKeyRef;
      if (cm) refs.push({ kind: 'ConfigMap', name: cm.name, optional: cm.optional === true, via: `env ${e.name} of ${c.name}` });
      if (sk) refs.push({ kind: 'Secret', name: sk.name, optional: sk.optional === true, via: `env ${e.name} of ${c.name}` });
    }
    for (const f of c.envFrom ?? []) {
      if (f.configMapRef) refs.push({ kind: 'ConfigMap', name: f.configMapRef.name, optional: f.configMapRef.optional === true, via: `envFrom of ${c.name}` });
      if (f.secretRef) refs.push({ kind: 'Secret', name: f.secretRef.name, optional: f.secretRef.optional === true, via: `envFrom of ${c.name}` });
    }
  }
  return refs;
}

/** Secret data decoded and each entry parsed as YAML, for comparing peer entries by meaning. */
function parsedSecretData(secret: Obj | undefined): Record<string, unknown> | undefined {
  if (!secret) return undefined;
  const data: Record<string, string> = secret.data ?? {};
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, parse(Buffer.from(v, 'base64').toString('utf8'))]));
}

function parsedConfigMapData(configMap: Obj | undefined): Record<string, unknown> | undefined {
  if (!configMap) return undefined;
  return Object.fromEntries(Object.entries(configMap.data ?? {}).map(([k, v]) => [k, parse(v)]));
}

/** Pod hostAliases as sorted "ip hostname" pairs. */
function aliasPairs(workload: Obj | undefined): string[] {
  const aliases: { ip: string; hostnames: string[] }[] = podSpec(workload ?? {})?.hostAliases ?? [];
  return aliases.flatMap((a) => a.hostnames.map((h) => `${a.ip} ${h}`)).sort();
}

/** The host `peer` dials to reach `cluster`, read from the peer's shipped peer Secret (the one that dials remote clusters). */
function dialledHost(r: Rendered, peer: string, cluster: string): string | undefined {
  const path = [...r.byPath.keys()].find((p) => p.startsWith(`${peer}/`) && p.endsWith('/clustermesh-secrets.yaml'));
  if (path === undefined) return undefined;
  const secrets = objectsIn(r.byPath.get(path)!, path) as Obj[];
  const dialing = find(secrets, 'Secret', r.mesh.cilium.kvstoremesh ? 'cilium-kvstoremesh' : 'cilium-clustermesh');
  const text = dialing?.data?.[cluster];
  if (text === undefined) return undefined;
  const entry = parse(Buffer.from(text, 'base64').toString('utf8')) as { endpoints: string[] };
  return new URL(entry.endpoints[0]).hostname;
}

/** RFC 6125 matching: a name equal to the host, or `*.<rest>` where the host is one label followed by `.<rest>`. */
function certificateCovers(names: readonly string[], host: string): boolean {
  return names.some((n) => n === host || (n.startsWith('*.') && host.endsWith(n.slice(1)) && !host.slice(0, host.length - n.length + 1).includes('.')));
}

/** A certgen container (hubble-generate-certs Job and CronJob) and what it issues. */
interface Certgen {
  readonly owner: Obj;
  readonly args: string[];
  /** Its CILIUM_CERTGEN_CONFIG: the Secrets it writes. */
  readonly certs: { name: string; namespace: string; commonName: string; hosts: string[]; usage: string[] }[];
}

function certgens(chart: readonly Obj[]): Certgen[] {
  return chart
    .filter((o) => o.kind === 'Job' || o.kind === 'CronJob')
    .flatMap((owner) => (podSpec(owner)?.containers ?? []).filter((k: any) => k.name === 'certgen').map((k: any) => ({ owner, container: k })))
    .map(({ owner, container }) => {
      const config = container.env?.find((e: any) => e.name === 'CILIUM_CERTGEN_CONFIG')?.value;
      return { owner, args: container.args ?? [], certs: config ? ((parse(config) as any).certs ?? []) : [] };
    });
}

/**
 * Secrets certgen writes at run time from the CA in Secret cilium-ca: they exist once its Job
 * ran, when certgen reuses that CA (never one of its own) and the chart renders it.
 */
function issuedByCertgen(chart: readonly Obj[], namespace: string): string[] {
  if (!find(chart, 'Secret', 'cilium-ca')) return [];
  const reusesMeshCa = (c: Certgen) => ['--ca-reuse-secret', '--ca-secret-name=cilium-ca', `--ca-secret-namespace=${namespace}`, '--ca-generate=false'].every((a) => c.args.includes(a));
  return certgens(chart)
    .filter((c) => c.owner.kind === 'Job' && reusesMeshCa(c))
    .flatMap((c) => c.certs.filter((cert) => cert.namespace === namespace).map((cert) => `Secret/${cert.name}`));
}

/** The cluster's cilium-config data. */
function ciliumConfig(chart: readonly Obj[]): Record<string, string> {
  return find(chart, 'ConfigMap', 'cilium-config')?.data ?? {};
}

/**
 * The certificates the chart's certgen Job writes (method cronJob), by Secret name: the
 * CILIUM_CERTGEN_CONFIG of the Job (templates/clustermesh-apiserver/tls-cronjob/_job-spec.tpl).
 */
function certgenCertificates(chart: readonly Obj[]): Record<string, { commonName?: string; hosts?: string[] }> {
  const certs: Record<string, { commonName?: string; hosts?: string[] }> = {};
  for (const job of chart.filter((o) => o.kind === 'Job' && String(o.metadata?.name).startsWith('clustermesh-apiserver-generate-certs'))) {
    for (const c of podSpec(job).containers) {
      const config = (c.env ?? []).find((e: any) => e.name === 'CILIUM_CERTGEN_CONFIG')?.value;
      for (const cert of ((config && (parse(config) as any)?.certs) ?? []) as { name: string; commonName?: string; hosts?: string[] }[]) certs[cert.name] = cert;
    }
  }
  return certs;
}

let caValues: Promise<string> | undefined;
/** A throwaway mesh CA in the Secret's values format: the valuesSecrets content helm-controller adds. */
function throwawayCaValues(): Promise<string> {
  caValues ??= createMeshCa({ meshName: 'conformance', days: 30 }).then(caValuesText);
  return caValues;
}

/**
 * A peer as the chart's own `clustermesh.config.clusters` entry describes it: `ips`
 * makes the chart dial `<name>.mesh.cilium.io:<port>` with those host aliases,
 * `address` makes it dial that name (templates/clustermesh-config/_helpers.tpl).
 */
function chartPeerEntry(peer: Cluster): Record<string, unknown> {
  const endpoint = peer.meshEndpoint;
  switch (endpoint.type) {
    case 'NodePort':
      return { name: peer.name, port: endpoint.nodePort, ips: peer.nodes.map((n) => n.externalAddress ?? n.ip) };
    case 'LoadBalancer':
      return { name: peer.name, port: 2379, ips: [endpoint.loadBalancerIP] };
    case 'External':
      return endpoint.addressKind === 'ip' ? { name: peer.name, port: endpoint.port, ips: [endpoint.address] } : { name: peer.name, port: endpoint.port, address: endpoint.address };
  }
}

/** The peers as the chart's own `clustermesh.config.clusters` takes them. */
function chartPeerConfig(mesh: Mesh, cluster: string): string {
  const clusters = mesh.clusters.filter((c) => c.name !== cluster).map(chartPeerEntry);
  return stringify({ clustermesh: { config: { enabled: true, clusters } } });
}

/**
 * Whether a case compares the peer Secrets, remote users and host aliases with what the chart renders
 * given the peers. WireGuard and Hubble touch none of the three (Secrets and users come from the peer
 * list, the aliases from the peers' endpoints), so the cases with them on leave that comparison to the
 * same versions without them and render the chart once per cluster instead of twice.
 */
const comparesWithChartPeers = (c: RenderCase) => !c.encryptedAndObserved;

async function renderCharts(r: Rendered, c: RenderCase): Promise<ClusterCharts[]> {
  const { version } = c;
  const ca = await throwawayCaValues();
  const { mesh } = r;
  const results: ClusterCharts[] = [];
  // Two at a time: helm is single-threaded and the machine may have two cores only.
  const queue = [...r.clusters];
  const work = async () => {
    for (let cluster = queue.shift(); cluster !== undefined; cluster = queue.shift()) {
      const shipped = [...r.byPath.entries()]
        .filter(([path]) => path.split('/').length === 3 && path.startsWith(`${cluster}/`) && STAGE_FOLDER.test(path.split('/')[1]) && !path.endsWith('/kustomization.yaml'))
        .flatMap(([path, content]) => objectsIn(content, path)) as Obj[];
      const helmChart = shipped.find((o) => o.kind === 'HelmChart')!;
      const ns: string = helmChart.spec.targetNamespace;
      const values = [helmChart.spec.valuesContent as string, ca];
      try {
        const [chart, reference] = await Promise.all([
          renderCiliumChart(version, ns, values),
          comparesWithChartPeers(c) ? renderCiliumChart(version, ns, [...values, chartPeerConfig(mesh, cluster)]) : undefined,
        ]);
        results.push({ cluster, shipped, helmChart, chart: chart as Obj[], reference: reference as Obj[] | undefined });
      } catch (err) {
        results.push({ cluster, shipped, helmChart, error: (err as Error).message });
      }
    }
  };
  await Promise.all([work(), work()]);
  return results.sort((a, b) => a.cluster.localeCompare(b.cluster));
}

/**
 * The example in every case of the matrix, and (unless a user's mesh is checked) the example with every
 * kind of mesh endpoint, in the cases that differ in what an endpoint touches (version, KVStoreMesh):
 * WireGuard and Hubble change nothing of how peers reach the endpoint.
 */
type ChartCase = [string, RenderCase, (c: RenderCase) => Rendered];
const CASES: ChartCase[] = CHECKED_PROJECT
  ? MATRIX.map(([label, c]) => [`mesh ${label}`, c, renderUnderTest])
  : [
      ...MATRIX.map(([label, c]): ChartCase => [`example ${label}`, c, renderUnderTest]),
      ...MATRIX.filter(([, c]) => !c.encryptedAndObserved).map(([label, c]): ChartCase => [`endpoint variants ${label}`, c, renderEndpointVariants]),
    ];

describeWithShared('Cilium chart conformance', [...new Set(MATRIX.map(([, c]) => chartArchive(c.version)))], () => {
  describe.each(CASES)('%s', (_label, c, render) => {
    const r = render(c);
    let charts: ClusterCharts[] = [];
    beforeAll(async () => {
      charts = await renderCharts(r, c);
    });
    const each = (fn: (cc: ClusterCharts & { chart: Obj[]; reference: Obj[] }) => void) => () => {
      expect(charts.map((cc) => cc.cluster)).toEqual(r.clusters);
      for (const cc of charts) {
        if (cc.error !== undefined) throw new Error(`${cc.cluster}: ${cc.error}`);
        fn(cc as ClusterCharts & { chart: Obj[]; reference: Obj[] });
      }
    };
    /** A test that compares with the chart given the peers, in the cases that render it. */
    const itWithChartPeers = comparesWithChartPeers(c) ? it : () => undefined;

    it('renders for every cluster without fail or required', () => {
      expect(charts.filter((cc) => cc.error !== undefined).map((cc) => `${cc.cluster}: ${cc.error}`)).toEqual([]);
      for (const cc of charts) expect(cc.chart!.length).toBeGreaterThan(20);
    });

    it('every ConfigMap and Secret a chart pod needs exists in the chart output, in dist/<cluster> or is written by the chart\'s certgen Jobs', each((cc) => {
      const namespace: string = cc.helmChart.spec.targetNamespace;
      const issuedByJob = Object.keys(certgenCertificates(cc.chart)).map((name) => `Secret/${name}`);
      const available = new Set([...[...cc.chart, ...cc.shipped].map((o) => `${String(o.kind)}/${o.metadata?.name}`), ...issuedByCertgen(cc.chart, namespace), ...issuedByJob]);
      const missing: string[] = [];
      for (const owner of cc.chart.filter((o) => POD_OWNERS.has(String(o.kind)))) {
        for (const ref of podReferences(podSpec(owner))) {
          if (!ref.optional && !available.has(`${ref.kind}/${ref.name}`)) missing.push(`${cc.cluster}: ${owner.kind} ${owner.metadata?.name} needs ${ref.kind} ${ref.name} (${ref.via})`);
        }
      }
      // helm-controller itself reads the valuesSecrets before it runs helm.
      for (const s of cc.helmChart.spec.valuesSecrets ?? []) {
        if (!available.has(`Secret/${s.name}`)) missing.push(`${cc.cluster}: HelmChart valuesSecrets needs Secret ${s.name}`);
      }
      expect(missing).toEqual([]);
    }));

    it('clustermesh-apiserver can start: with an identity per cluster (authMode cluster, migration) its remote users list has one user per peer', each((cc) => {
      if (r.mesh.cilium.authMode === 'legacy') return; // one shared identity, no users list
      const apiserver = find(cc.chart, 'Deployment', 'clustermesh-apiserver')!;
      const args: string[] = podSpec(apiserver).containers.flatMap((k: any) => k.args ?? []);
      expect(args).toContain('--cluster-users-enabled');
      const users = find([...cc.chart, ...cc.shipped], 'ConfigMap', 'clustermesh-remote-users');
      const peers = r.clusters.filter((n) => n !== cc.cluster);
      expect(parsedConfigMapData(users)).toEqual({ 'users.yaml': { users: peers.map((p) => ({ name: `remote-${p}`, role: 'remote' })) } });
      // This cluster's own remote client certificate carries the name its peers list; while
      // migrating it keeps the shared name, which the peers still accept.
      // Method helm renders the certificate; method cronJob renders the certgen Job that issues it.
      const remoteCert = find(cc.chart, 'Secret', 'clustermesh-apiserver-remote-cert');
      const subject = remoteCert
        ? new X509Certificate(Buffer.from(remoteCert.data!['tls.crt'], 'base64')).subject
        : `CN=${certgenCertificates(cc.chart)['clustermesh-apiserver-remote-cert']?.commonName}`;
      expect(subject).toMatch(r.mesh.cilium.authMode === 'cluster' ? `CN=remote-${cc.cluster}` : /CN=remote$/);
    }));

    it('no object is both rendered by the chart and shipped by the project, except the patch targets', each((cc) => {
      const chartIds = new Set(cc.chart.map(objectId));
      const clashes = cc.shipped.filter((o) => chartIds.has(objectId(o)) && !isPartialPatch(o)).map(objectId);
      expect(clashes).toEqual([]);
      // Every patch lands on an object the chart renders, of the same kind.
      for (const patch of cc.shipped.filter(isPartialPatch)) expect(chartIds.has(objectId(patch))).toBe(true);
    }));

    it("the chart's objects pass the strict schemas and the API server's rules", each((cc) => {
      const problems = cc.chart.flatMap((o) => {
        const schemaErrors = KINDS_WITHOUT_SCHEMA.has(String(o.kind)) ? [] : validateKubeObject(o).errors;
        return [...schemaErrors, ...apiServerProblems(o)].map((p) => `${cc.cluster} ${objectId(o)}: ${p}`);
      });
      expect(problems).toEqual([]);
      expect(cc.chart.filter((o) => !KINDS_WITHOUT_SCHEMA.has(String(o.kind))).length).toBeGreaterThan(15);
    }));

    it('the Flux health checks and the mesh endpoint name what the chart runs', each((cc) => {
      for (const [kind, name] of [['DaemonSet', 'cilium'], ['Deployment', 'cilium-operator'], ['Deployment', 'clustermesh-apiserver']]) {
        expect(find(cc.chart, kind, name)).toBeDefined();
      }
      const cluster = r.mesh.clusters.find((m) => m.name === cc.cluster)!;
      const own = cc.shipped.filter((o) => o.kind === 'Service' && o.spec?.type === 'NodePort');
      const chartService = find(cc.chart, 'Service', 'clustermesh-apiserver')!;
      // A LoadBalancer endpoint is the chart's Service; the others are the project's NodePort Service.
      const endpoint = cluster.meshEndpoint.type === 'LoadBalancer' ? chartService : own[0];
      expect(own).toHaveLength(cluster.meshEndpoint.type === 'LoadBalancer' ? 0 : 1);
      expect(chartService.spec.type).toBe(cluster.meshEndpoint.type === 'LoadBalancer' ? 'LoadBalancer' : 'ClusterIP');
      const apiserver = find(cc.chart, 'Deployment', 'clustermesh-apiserver')!;
      const podLabels = apiserver.spec.template.metadata.labels;
      for (const [k, v] of Object.entries(endpoint.spec.selector as Record<string, string>)) expect(podLabels[k]).toBe(v);
      const ports = podSpec(apiserver).containers.flatMap((k: any) => (k.ports ?? []).map((p: any) => p.containerPort));
      expect(ports).toContain(endpoint.spec.ports[0].targetPort ?? endpoint.spec.ports[0].port);
    }));

    it("a LoadBalancer endpoint is the chart's Service with the inventory's IP and class, admitting every peer node", each((cc) => {
      const raw = inventoryCluster(r, cc.cluster);
      if (raw.meshEndpoint?.type !== 'LoadBalancer') return;
      const service = find(cc.chart, 'Service', 'clustermesh-apiserver')!;
      // From the inventory files, not the model: each peer node's NAT address, else its node IP.
      const peerNodes = r.clusters.filter((n) => n !== cc.cluster).flatMap((n) => inventoryCluster(r, n).nodes as { ip: string; externalAddress?: string }[]);
      expect(service.spec).toMatchObject({
        type: 'LoadBalancer',
        loadBalancerIP: raw.meshEndpoint.loadBalancerIP,
        externalTrafficPolicy: raw.meshEndpoint.externalTrafficPolicy ?? 'Cluster',
        ports: [{ port: 2379 }],
      });
      expect(service.spec.loadBalancerClass).toBe(raw.meshEndpoint.loadBalancerClass);
      expect([...service.spec.loadBalancerSourceRanges].sort()).toEqual(raw.meshEndpoint.sourceRanges ?? peerNodes.map((n) => `${n.externalAddress ?? n.ip}/32`).sort());
      if (!CHECKED_PROJECT && cc.cluster === 'k3scl1') {
        expect([service.spec.loadBalancerIP, service.spec.loadBalancerClass]).toEqual([ENDPOINT_VARIANT.loadBalancerIP, ENDPOINT_VARIANT.loadBalancerClass]);
        expect(service.spec.loadBalancerSourceRanges).toContain(`${ENDPOINT_VARIANT.natAddress}/32`);
      }
    }));

    it('the server certificate covers the name every peer dials: *.mesh.cilium.io, and a DNS address of its own', each((cc) => {
      // Method helm: the chart renders the certificate; cronJob: its certgen Job issues it with the hosts it lists.
      const secret = find(cc.chart, 'Secret', 'clustermesh-apiserver-server-cert');
      const names = secret
        ? (new X509Certificate(Buffer.from(secret.data!['tls.crt'], 'base64')).subjectAltName ?? '').split(', ').filter((n) => n.startsWith('DNS:')).map((n) => n.slice(4))
        : (certgenCertificates(cc.chart)['clustermesh-apiserver-server-cert']?.hosts ?? []);
      expect(names).toContain('*.mesh.cilium.io');
      const raw = inventoryCluster(r, cc.cluster);
      const address: string | undefined = raw.meshEndpoint?.type === 'External' ? raw.meshEndpoint.address : undefined;
      if (address !== undefined && !/^[0-9.]+$/.test(address)) expect(names).toContain(address);
      if (!CHECKED_PROJECT && cc.cluster === 'k3scl2' && r.clusters.includes('k3scl4')) expect(names).toContain(ENDPOINT_VARIANT.dnsAddress);
      // Every peer dials this cluster by a name the certificate carries.
      for (const peer of r.clusters.filter((n) => n !== cc.cluster)) {
        const host = dialledHost(r, peer, cc.cluster);
        expect({ peer, host, covered: host !== undefined && certificateCovers(names, host) }).toEqual({ peer, host, covered: true });
      }
    }));

    itWithChartPeers('the peer Secrets equal, parsed, what the chart renders when given the peers', each((cc) => {
      for (const name of ['cilium-clustermesh', 'cilium-kvstoremesh']) {
        const ours = parsedSecretData(find(cc.shipped, 'Secret', name));
        const theirs = parsedSecretData(find(cc.reference, 'Secret', name));
        expect({ cluster: cc.cluster, name, data: ours }).toEqual({ cluster: cc.cluster, name, data: theirs });
      }
      expect(find(cc.chart, 'Secret', 'cilium-clustermesh')).toBeUndefined();
      expect(find(cc.chart, 'Secret', 'cilium-kvstoremesh')).toBeUndefined();
    }));

    itWithChartPeers('the remote users equal what the chart renders when given the peers', each((cc) => {
      const ours = parsedConfigMapData(find([...cc.chart, ...cc.shipped], 'ConfigMap', 'clustermesh-remote-users'));
      expect(ours).toEqual(parsedConfigMapData(find(cc.reference, 'ConfigMap', 'clustermesh-remote-users')));
    }));

    it('encryption is configured alike in every cluster, as the mesh file says', () => {
      const { encryption } = r.mesh.cilium;
      const encryptionKeys = (cc: ClusterCharts) => Object.fromEntries(Object.entries(ciliumConfig(cc.chart!)).filter(([k]) => /wireguard|ipsec|encrypt/.test(k)));
      const wireguard = encryption.type === 'wireguard';
      const expected = { 'enable-wireguard': wireguard ? 'true' : undefined, 'encrypt-node': wireguard && encryption.nodeEncryption ? 'true' : undefined, 'enable-ipsec': undefined };
      const configs = charts.map((cc) => {
        if (cc.error !== undefined) throw new Error(`${cc.cluster}: ${cc.error}`);
        return encryptionKeys(cc);
      });
      for (const [i, config] of configs.entries()) {
        const pick = Object.fromEntries(Object.keys(expected).map((k) => [k, config[k]]));
        expect({ cluster: charts[i].cluster, config: pick }).toEqual({ cluster: charts[i].cluster, config: expected });
        // Cilium supports no mixed mode: every encryption setting equal everywhere.
        expect(config).toEqual(configs[0]);
      }
    });

    it("Hubble's certificates are issued by certgen from the mesh CA, the same in every cluster", async () => {
      const { hubble } = r.mesh.cilium;
      const meshCaPem = Buffer.from((parse(await throwawayCaValues()) as any).tls.ca.cert, 'base64').toString('utf8');
      const meshCa = new X509Certificate(meshCaPem);
      for (const cc of charts) {
        if (cc.error !== undefined) throw new Error(`${cc.cluster}: ${cc.error}`);
        const chart = cc.chart!;
        const ns: string = cc.helmChart.spec.targetNamespace;
        // The clustermesh-apiserver certificates may come from a certgen Job of their own (cilium.certificates).
        const hubbleRuns = certgens(chart).filter((run) => String(run.owner.metadata?.name).startsWith('hubble-generate-certs'));
        if (!hubble.enabled) {
          expect(hubbleRuns).toEqual([]);
          expect(ciliumConfig(chart)['enable-hubble']).not.toBe('true');
          continue;
        }
        // The CA certgen reuses is the mesh CA of the valuesSecrets.
        const caSecret = find(chart, 'Secret', 'cilium-ca')!;
        expect(new X509Certificate(Buffer.from(caSecret.data!['ca.crt'], 'base64')).fingerprint256).toBe(meshCa.fingerprint256);
        const issued = issuedByCertgen(chart, ns).filter((name) => name.startsWith('Secret/hubble-')).sort();
        const wanted = ['hubble-server-certs', ...(hubble.relay ? ['hubble-relay-client-certs', 'hubble-relay-server-certs'] : []), ...(hubble.ui ? ['hubble-ui-client-certs'] : [])];
        expect(issued).toEqual(wanted.map((n) => `Secret/${n}`).sort());
        const runs = hubbleRuns;
        expect(runs.map((c) => c.owner.kind).sort()).toEqual(['CronJob', 'Job']);
        for (const run of runs) {
          // The CronJob renews what the Job issued, from the same CA.
          expect(run.args).toEqual(expect.arrayContaining(['--ca-reuse-secret', '--ca-secret-name=cilium-ca', '--ca-generate=false']));
          const byName = new Map(run.certs.map((c) => [c.name, c]));
          // Relay dials each node as <node>.<cluster>.hubble-grpc.cilium.io (Cilium pkg/hubble/peer TLSServerName).
          expect(byName.get('hubble-server-certs')).toMatchObject({ commonName: `*.${cc.cluster}.hubble-grpc.cilium.io`, usage: expect.arrayContaining(['server auth', 'client auth']) });
          if (hubble.relay) {
            expect(byName.get('hubble-relay-client-certs')?.usage).toContain('client auth');
            const relayHosts = byName.get('hubble-relay-server-certs')!.hosts;
            expect(relayHosts.some((h) => h === HUBBLE_RELAY_TLS_SERVER_NAME || (h.startsWith('*.') && HUBBLE_RELAY_TLS_SERVER_NAME.split('.').slice(1).join('.') === h.slice(2)))).toBe(true);
          }
          // A new mesh CA changes the certgen pod labels, so the Job runs again at once.
          const fingerprint = r.secrets.issuerFingerprintSha256;
          if (fingerprint) {
            const template = run.owner.kind === 'CronJob' ? run.owner.spec.jobTemplate.spec.template : run.owner.spec.template;
            expect(template.metadata.labels[CERTGEN_CA_LABEL]).toBe(fingerprint.replace(/:/g, '').toLowerCase().slice(0, 32));
          }
        }
        // No certificate of the chart's own making, which helm would keep through renewals and CA rotations.
        for (const name of wanted) expect(find(chart, 'Secret', name)).toBeUndefined();
        const config = ciliumConfig(chart);
        expect([config['enable-hubble'], config['hubble-disable-tls'], config['hubble-listen-address']]).toEqual(['true', 'false', `:${HUBBLE_SERVER_PORT}`]);
        if (!hubble.relay) {
          expect(find(chart, 'Deployment', 'hubble-relay')).toBeUndefined();
          continue;
        }
        // Relay trusts the mesh CAs: the trust bundle (tls.caBundle, every CA of a rotation) where the
        // project renders one, else the CA of its certgen-issued client certificate.
        const relay = find(chart, 'Deployment', 'hubble-relay')!;
        const tls = podSpec(relay).volumes.find((v: any) => v.name === 'tls');
        const caSource = tls.projected.sources.find((s: any) => (s.secret ?? s.configMap)?.items?.some((i: any) => i.path === 'hubble-server-ca.crt'));
        const bundle = find(chart, 'ConfigMap', 'cilium-root-ca.crt');
        if (bundle) {
          expect(caSource?.configMap).toMatchObject({ name: 'cilium-root-ca.crt', items: expect.arrayContaining([{ key: 'ca.crt', path: 'hubble-server-ca.crt' }]) });
          expect(bundle.data?.['ca.crt']).toBe(r.secrets.trustBundlePem);
        } else {
          expect(caSource?.secret).toMatchObject({ name: 'hubble-relay-client-certs', items: expect.arrayContaining([{ key: 'ca.crt', path: 'hubble-server-ca.crt' }]) });
        }
        const relayConfig = parse(find(chart, 'ConfigMap', 'hubble-relay-config')!.data!['config.yaml']) as Record<string, unknown>;
        expect(relayConfig).toMatchObject({ 'tls-hubble-server-ca-files': expect.any(String), 'tls-relay-server-cert-file': expect.any(String) });
        expect(find(chart, 'Service', 'hubble-relay')!.spec.ports.map((p: any) => p.port)).toEqual([HUBBLE_RELAY_SERVICE_PORT]);
        if (hubble.ui) expect(find(chart, 'Service', 'hubble-ui')!.spec.ports.map((p: any) => p.port)).toEqual([HUBBLE_UI_SERVICE_PORT]);
        else expect(find(chart, 'Deployment', 'hubble-ui')).toBeUndefined();
      }
    });

    itWithChartPeers('the host aliases equal what the chart renders on the workload that dials the peers', each((cc) => {
      const patch = cc.shipped.find(isPartialPatch);
      const dialing = c.kvstoremesh ? find(cc.reference, 'Deployment', 'clustermesh-apiserver') : find(cc.reference, 'DaemonSet', 'cilium');
      if (minorOf(c) >= 20) {
        // 1.20 reads the aliases from the peer entries (compared above): no patch, no restart.
        expect(patch).toBeUndefined();
        return;
      }
      expect(aliasPairs(patch)).toEqual(aliasPairs(dialing));
      if (aliasPairs(dialing).length > 0) expect(patch?.kind).toBe(dialing?.kind);
      // Peers dialled by a DNS name need no alias; the others need at least one.
      const aliased = r.mesh.clusters.filter((p) => p.name !== cc.cluster && !(p.meshEndpoint.type === 'External' && p.meshEndpoint.addressKind === 'dns'));
      expect(aliasPairs(patch).length).toBeGreaterThanOrEqual(aliased.length);
    }));
  });
}, missingHelm());
