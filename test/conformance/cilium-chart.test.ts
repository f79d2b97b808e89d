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
import { apiServerProblems } from '../support/api-rules';
import { chartArchive, renderCiliumChart, STAND_IN_HELM } from '../support/helm';
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
  /** The chart rendered with the same values plus the peers in `clustermesh.config`: what the chart itself would write. */
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

async function renderCharts(r: Rendered, version: string): Promise<ClusterCharts[]> {
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
        const [chart, reference] = await Promise.all([renderCiliumChart(version, ns, values), renderCiliumChart(version, ns, [...values, chartPeerConfig(mesh, cluster)])]);
        results.push({ cluster, shipped, helmChart, chart: chart as Obj[], reference: reference as Obj[] });
      } catch (err) {
        results.push({ cluster, shipped, helmChart, error: (err as Error).message });
      }
    }
  };
  await Promise.all([work(), work()]);
  return results.sort((a, b) => a.cluster.localeCompare(b.cluster));
}

/** The example, and (unless a user's mesh is checked) the example with every kind of mesh endpoint. */
const INVENTORIES: [string, (c: RenderCase) => Rendered][] = CHECKED_PROJECT ? [['mesh', renderUnderTest]] : [['example', renderUnderTest], ['endpoint variants', renderEndpointVariants]];
const CASES = INVENTORIES.flatMap(([name, render]) => MATRIX.map(([label, c]): [string, RenderCase, (c: RenderCase) => Rendered] => [`${name} ${label}`, c, render]));

describeWithShared('Cilium chart conformance', [...new Set(MATRIX.map(([, c]) => chartArchive(c.version))), STAND_IN_HELM], () => {
  describe.each(CASES)('%s', (_label, c, render) => {
    const r = render(c);
    let charts: ClusterCharts[] = [];
    beforeAll(async () => {
      charts = await renderCharts(r, c.version);
    }, 180_000);
    const each = (fn: (cc: ClusterCharts & { chart: Obj[]; reference: Obj[] }) => void) => () => {
      expect(charts.map((cc) => cc.cluster)).toEqual(r.clusters);
      for (const cc of charts) {
        if (cc.error !== undefined) throw new Error(`${cc.cluster}: ${cc.error}`);
        fn(cc as ClusterCharts & { chart: Obj[]; reference: Obj[] });
      }
    };

    it('renders for every cluster without fail or required', () => {
      expect(charts.filter((cc) => cc.error !== undefined).map((cc) => `${cc.cluster}: ${cc.error}`)).toEqual([]);
      for (const cc of charts) expect(cc.chart!.length).toBeGreaterThan(20);
    });

    it('every ConfigMap and Secret a chart pod needs exists in the chart output or in dist/<cluster>', each((cc) => {
      const available = new Set([...cc.chart, ...cc.shipped].map((o) => `${String(o.kind)}/${o.metadata?.name}`));
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
      const remoteCert = find(cc.chart, 'Secret', 'clustermesh-apiserver-remote-cert')!;
      const cert = new X509Certificate(Buffer.from(remoteCert.data!['tls.crt'], 'base64'));
      expect(cert.subject).toMatch(r.mesh.cilium.authMode === 'cluster' ? `CN=remote-${cc.cluster}` : /CN=remote$/);
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
      const secret = find(cc.chart, 'Secret', 'clustermesh-apiserver-server-cert')!;
      const cert = new X509Certificate(Buffer.from(secret.data!['tls.crt'], 'base64'));
      const names = (cert.subjectAltName ?? '').split(', ').filter((n) => n.startsWith('DNS:')).map((n) => n.slice(4));
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

    it('the peer Secrets equal, parsed, what the chart renders when given the peers', each((cc) => {
      for (const name of ['cilium-clustermesh', 'cilium-kvstoremesh']) {
        const ours = parsedSecretData(find(cc.shipped, 'Secret', name));
        const theirs = parsedSecretData(find(cc.reference, 'Secret', name));
        expect({ cluster: cc.cluster, name, data: ours }).toEqual({ cluster: cc.cluster, name, data: theirs });
      }
      expect(find(cc.chart, 'Secret', 'cilium-clustermesh')).toBeUndefined();
      expect(find(cc.chart, 'Secret', 'cilium-kvstoremesh')).toBeUndefined();
    }));

    it('the remote users equal what the chart renders when given the peers', each((cc) => {
      const ours = parsedConfigMapData(find([...cc.chart, ...cc.shipped], 'ConfigMap', 'clustermesh-remote-users'));
      expect(ours).toEqual(parsedConfigMapData(find(cc.reference, 'ConfigMap', 'clustermesh-remote-users')));
    }));

    it('the host aliases equal what the chart renders on the workload that dials the peers', each((cc) => {
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
});
