/**
 * The Mesh file: mesh-wide Cilium settings with their defaults applied.
 */
import { brokenValueRules, MANAGED_VALUES, REMOVED_VALUES, replacedAncestors } from '../cilium/removed-values';
import { ciliumLineOf, CiliumVersion, TESTED_CILIUM_PATCHES } from '../model/cilium-versions';
import { parseIpv4Cidr } from '../model/ipv4';
import { CertificateMethod, CertificateSettings, CiliumSettings, ClusterMeshAuthMode, DeliverySettings, EncryptionSettings, HubbleSettings, RotationPhase, Routing, SecretsSettings, VerificationKitSettings } from '../model/mesh';
import { resolve } from 'path';
import { projectPathProblem } from '../fs/project-path';
import { caPaths } from '../secrets/mesh-ca/ca-files';
import { Problem } from '../report/problems';
import { DEFAULTS } from './defaults';
import { missingGitCredentials } from './read-git-credentials';
import { readK3sVersion } from './read-k3s-version';
import { SourceFile } from './source-file';

interface RawMesh {
  name: string;
  k3s?: { version?: string };
  cilium: {
    version: CiliumVersion;
    namespace?: string;
    kvstoremesh?: boolean;
    authMode?: ClusterMeshAuthMode;
    maxConnectedClusters?: 255 | 511;
    routing?: { mode: 'tunnel' | 'native'; tunnelProtocol?: 'vxlan' | 'geneve'; nativeRoutingCidr?: string };
    kubeProxyReplacement?: boolean;
    encryption?: { type?: 'none' | 'wireguard'; nodeEncryption?: boolean };
    hubble?: { enabled?: boolean; relay?: boolean; ui?: boolean };
    certificates?: { method?: CertificateMethod; validityDays?: number; schedule?: string; issuerRef?: { name: string; kind?: string; group?: string } };
    helmValues?: Record<string, unknown>;
  };
  secrets?: {
    provider?: 'sops' | 'external-secrets';
    ageRecipients?: string[];
    caFile?: string;
    rotation?: { phase: RotationPhase };
    externalSecrets?: { storeRef: { name: string; kind?: 'SecretStore' | 'ClusterSecretStore' }; remoteKey: string; refreshInterval?: string };
  };
  delivery?: {
    engine?: 'flux' | 'argocd' | 'both';
    repository?: { url: string; branch?: string; path?: string };
    interval?: string;
    argocd?: { namespace?: string; project?: string };
  };
  namespaces?: string[];
  verificationKit?: { enabled?: boolean; namespace?: string; calls?: number };
}

const MESH = DEFAULTS.Mesh;

export interface MeshSettings {
  readonly name: string;
  /** The k3s release of every cluster that pins none. */
  readonly k3sVersion?: string;
  readonly cilium: CiliumSettings;
  readonly secrets: SecretsSettings;
  readonly delivery: DeliverySettings;
  readonly verificationKit?: VerificationKitSettings;
  /** Namespaces declared for policies, sorted. */
  readonly namespaces: readonly string[];
}

export interface ReadMeshOptions {
  /** Folder the CA file (secrets.caFile) is relative to; without it the CA file path is not checked. */
  readonly projectRoot?: string;
  /** Folders synth replaces, where the CA files must not be (default: <projectRoot>/dist). */
  readonly outputDirs?: readonly string[];
}

export function readMesh(file: SourceFile, problems: Problem[], options: ReadMeshOptions = {}): MeshSettings {
  const raw = file.data as RawMesh;
  const c = raw.cilium;
  const helmValues = c.helmValues ?? {};
  problems.push(...helmValueProblems(file, ['cilium', 'helmValues'], helmValues));
  const namespace = c.namespace ?? MESH.cilium.namespace;
  const secrets = readSecrets(file, raw.secrets, problems, options);
  const delivery = readDelivery(raw.delivery);
  if (options.projectRoot !== undefined) problems.push(...missingGitCredentials(file, delivery, options.projectRoot));
  return {
    name: raw.name,
    k3sVersion: readK3sVersion(file, raw.k3s?.version, problems),
    cilium: {
      version: readCiliumVersion(file, c.version, problems),
      namespace,
      kvstoremesh: c.kvstoremesh ?? MESH.cilium.kvstoremesh,
      authMode: c.authMode ?? MESH.cilium.authMode,
      maxConnectedClusters: c.maxConnectedClusters ?? MESH.cilium.maxConnectedClusters,
      routing: readRouting(file, c.routing, problems),
      kubeProxyReplacement: c.kubeProxyReplacement ?? MESH.cilium.kubeProxyReplacement,
      encryption: readEncryption(file, c.encryption, problems),
      hubble: readHubble(file, c.hubble, problems),
      certificates: readCertificates(file, c.certificates, problems),
      helmValues,
    },
    secrets,
    delivery,
    verificationKit: (raw.verificationKit?.enabled ?? MESH.verificationKit.enabled)
      ? { namespace: raw.verificationKit?.namespace ?? MESH.verificationKit.namespace, calls: raw.verificationKit?.calls ?? MESH.verificationKit.calls }
      : undefined,
    namespaces: [...(raw.namespaces ?? [])].sort(),
  };
}

function readSecrets(file: SourceFile, raw: RawMesh['secrets'], problems: Problem[], options: ReadMeshOptions): SecretsSettings {
  if (raw?.provider === 'external-secrets') {
    if (!raw.externalSecrets) {
      problems.push(file.problem(['secrets'], "provider external-secrets needs 'externalSecrets'", 'add externalSecrets with storeRef and remoteKey'));
      return { provider: 'external-secrets', storeRef: { name: '', kind: MESH.secrets.externalSecrets.storeRef.kind }, remoteKey: '', refreshInterval: MESH.secrets.externalSecrets.refreshInterval };
    }
    if (raw.rotation !== undefined) {
      problems.push(file.problem(['secrets', 'rotation'], 'is only used with provider sops: the CA in a secret store is rotated there', 'remove it, or set provider: sops'));
    }
    if (raw.ageRecipients !== undefined) {
      problems.push(file.problem(['secrets', 'ageRecipients'], 'is only used with provider sops', 'remove it, or set provider: sops'));
    }
    const e = raw.externalSecrets;
    return { provider: 'external-secrets', storeRef: { name: e.storeRef.name, kind: e.storeRef.kind ?? MESH.secrets.externalSecrets.storeRef.kind }, remoteKey: e.remoteKey, refreshInterval: e.refreshInterval ?? MESH.secrets.externalSecrets.refreshInterval };
  }
  if (raw?.externalSecrets !== undefined) {
    problems.push(file.problem(['secrets', 'externalSecrets'], 'is only used with provider external-secrets', 'remove it, or set provider: external-secrets'));
  }
  const ageRecipients = raw?.ageRecipients ?? [];
  const caFile = raw?.caFile ?? MESH.secrets.caFile;
  if (ageRecipients.length === 0) {
    problems.push(
      file.problem(
        raw ? ['secrets'] : [],
        "has no 'ageRecipients': the mesh CA is kept in git encrypted with SOPS to age recipients (provider sops, the default)",
        'add secrets.ageRecipients: the age public key (age1…) of every cluster\'s Flux or KSOPS and of each person who rotates the CA (age-keygen prints one), or set secrets.provider: external-secrets',
      ),
    );
  }
  const rotationPhase = raw?.rotation?.phase;
  if (options.projectRoot === undefined) return { provider: 'sops', ageRecipients, caFile, rotationPhase };
  const outputDirs = options.outputDirs ?? [resolve(options.projectRoot, 'dist')];
  const paths = caPaths(options.projectRoot, caFile);
  const where = [paths.sopsFile, paths.certFile].map((p) => projectPathProblem(options.projectRoot!, p, outputDirs)).find((p) => p !== undefined);
  if (where !== undefined) {
    problems.push(
      file.problem(['secrets', 'caFile'], `${where}: the CA files must be files of this repository that synth never deletes`, `keep them inside the project and outside dist/, e.g. the default ${MESH.secrets.caFile}`),
    );
  }
  return { provider: 'sops', ageRecipients, caFile, rotationPhase };
}

function readCertificates(file: SourceFile, raw: RawMesh['cilium']['certificates'], problems: Problem[]): CertificateSettings {
  const d = MESH.cilium.certificates;
  const method = raw?.method ?? d.method;
  const validityDays = raw?.validityDays;
  const at = (field: string) => ['cilium', 'certificates', field];
  if (method !== 'cronJob' && raw?.schedule !== undefined) {
    problems.push(file.problem(at('schedule'), `is only used with method cronJob (method is ${method})`, 'remove it, or set method: cronJob'));
  }
  if (method !== 'certmanager' && raw?.issuerRef !== undefined) {
    problems.push(file.problem(at('issuerRef'), `is only used with method certmanager (method is ${method})`, 'remove it, or set method: certmanager'));
  }
  if (method === 'cronJob') return { method, validityDays, schedule: raw?.schedule ?? d.schedule };
  if (method === 'helm') return { method, validityDays };
  if (raw?.issuerRef === undefined) {
    // The chart refuses it too (templates/validate.yaml: certManagerIssuerRef is required with certmanager).
    problems.push(
      file.problem(['cilium', 'certificates'], "method certmanager needs 'issuerRef': the cert-manager Issuer or ClusterIssuer that signs the certificates with the mesh CA", 'add issuerRef: { name: <issuer>, kind: ClusterIssuer } (kind default Issuer), or choose method cronJob'),
    );
    return { method, validityDays, issuerRef: { name: '', kind: d.issuerRef.kind, group: d.issuerRef.group } };
  }
  const r = raw.issuerRef;
  return { method, validityDays, issuerRef: { name: r.name, kind: r.kind ?? d.issuerRef.kind, group: r.group ?? d.issuerRef.group } };
}

function readDelivery(raw: RawMesh['delivery']): DeliverySettings {
  const engine = raw?.engine ?? MESH.delivery.engine;
  return {
    engines: engine === 'both' ? ['flux', 'argocd'] : [engine],
    repository: raw?.repository && { url: raw.repository.url, branch: raw.repository.branch ?? MESH.delivery.repository.branch, path: raw.repository.path ?? MESH.delivery.repository.path },
    interval: raw?.interval ?? MESH.delivery.interval,
    argocd: { namespace: raw?.argocd?.namespace ?? MESH.delivery.argocd.namespace, project: raw?.argocd?.project ?? MESH.delivery.argocd.project },
  };
}

function readRouting(file: SourceFile, raw: RawMesh['cilium']['routing'], problems: Problem[]): Routing {
  // No routing block: the default mode, tunnel (test/inventory/defaults.test.ts holds it to DEFAULTS).
  if (raw === undefined || raw.mode === 'tunnel') {
    if (raw?.nativeRoutingCidr !== undefined) {
      problems.push(file.problem(['cilium', 'routing', 'nativeRoutingCidr'], 'is only used with mode: native', 'remove it, or set mode: native'));
    }
    return { mode: 'tunnel', tunnelProtocol: raw?.tunnelProtocol ?? MESH.cilium.routing.tunnelProtocol };
  }
  if (raw.tunnelProtocol !== undefined) {
    problems.push(file.problem(['cilium', 'routing', 'tunnelProtocol'], 'is only used with mode: tunnel', 'remove it, or set mode: tunnel'));
  }
  if (raw.nativeRoutingCidr === undefined) {
    problems.push(file.problem(['cilium', 'routing'], "native routing needs 'nativeRoutingCidr'", 'add nativeRoutingCidr: a range that covers the pod ranges of every cluster'));
    return { mode: 'native', nativeRoutingCidr: '' };
  }
  const parsed = parseIpv4Cidr(raw.nativeRoutingCidr);
  if ('error' in parsed) {
    problems.push(file.problem(['cilium', 'routing', 'nativeRoutingCidr'], `'${raw.nativeRoutingCidr}' ${parsed.error}`, 'write an IPv4 range such as 10.0.0.0/8'));
  }
  return { mode: 'native', nativeRoutingCidr: raw.nativeRoutingCidr };
}

function readEncryption(file: SourceFile, raw: RawMesh['cilium']['encryption'], problems: Problem[]): EncryptionSettings {
  const type = raw?.type ?? MESH.cilium.encryption.type;
  if (type === 'wireguard') return { type, nodeEncryption: raw?.nodeEncryption ?? MESH.cilium.encryption.nodeEncryption };
  if (raw?.nodeEncryption === true) {
    problems.push(file.problem(['cilium', 'encryption', 'nodeEncryption'], 'encrypts node traffic with WireGuard, but encryption.type is none', 'set encryption.type: wireguard, or remove nodeEncryption'));
  }
  return { type: 'none' };
}

/** The chart refuses Relay without Hubble and the UI without Relay (templates/validate.yaml): said here with the field. */
function readHubble(file: SourceFile, raw: RawMesh['cilium']['hubble'], problems: Problem[]): HubbleSettings {
  const d = MESH.cilium.hubble;
  const hubble = { enabled: raw?.enabled ?? d.enabled, relay: raw?.relay ?? d.relay, ui: raw?.ui ?? d.ui };
  if (hubble.relay && !hubble.enabled) {
    problems.push(file.problem(['cilium', 'hubble', 'relay'], 'Hubble Relay collects flows from the Hubble servers, which hubble.enabled: false turns off', 'set hubble.enabled: true, or relay: false'));
  }
  if (hubble.ui && !hubble.relay) {
    problems.push(file.problem(['cilium', 'hubble', 'ui'], 'the Hubble UI reads its flows from Hubble Relay, which is off', 'set hubble.relay: true, or ui: false'));
  }
  return hubble;
}

/** Refuses Helm values removed from the chart or owned by the inventory. */
export function helmValueProblems(file: SourceFile, at: readonly string[], values: Record<string, unknown>): Problem[] {
  const removed = brokenValueRules(values, REMOVED_VALUES).map((rule) =>
    file.problem([...at, ...rule.path.split('.')], 'is not accepted by the supported Cilium charts', rule.fix, { atKey: true }),
  );
  const managed = brokenValueRules(values, MANAGED_VALUES).map((rule) =>
    file.problem([...at, ...rule.path.split('.')], 'is set by the inventory and cannot be overridden', rule.fix, { atKey: true }),
  );
  const replaced = replacedAncestors(values, MANAGED_VALUES).map(({ path, owned }) =>
    file.problem(
      [...at, ...path.split('.')],
      `replaces the whole of ${path}, which holds values the inventory sets (${owned.map((r) => r.path).join(', ')})`,
      `write ${path} as a mapping of the keys you mean to change; ${owned[0].fix}`,
      { atKey: true },
    ),
  );
  return [...removed, ...managed, ...replaced];
}

/**
 * A line alone ("1.19") means its tested patch; another patch of a supported
 * line is rendered (the facts hold for the line) with a warning naming the
 * tested one. The schema refuses other lines.
 */
function readCiliumVersion(file: SourceFile, version: CiliumVersion, problems: Problem[]): CiliumVersion {
  const line = ciliumLineOf(version) ?? ciliumLineOf(`${version}.0`);
  if (line === undefined) return version;
  const tested = TESTED_CILIUM_PATCHES[line];
  if (version === line) return tested;
  if (version !== tested) {
    problems.push(
      file.problem(['cilium', 'version'], `${version} is not the tested patch of Cilium ${line} (${tested}, which the chart conformance tests render)`, `use ${tested}, or read the ${version} release notes for changes to the clustermesh values before you roll it out`, {
        severity: 'warning',
      }),
    );
  }
  return version;
}
