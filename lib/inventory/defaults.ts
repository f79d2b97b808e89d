/**
 * The value of every optional inventory field that has a fixed default, in
 * the shape of the inventory files (a list holds one entry: the defaults of its
 * items). The readers apply these; the JSON Schemas state the same `default`s
 * for editors, and test/inventory/defaults.test.ts holds the two equal.
 * Defaults computed from other fields (a cluster's mesh nodePort from its id,
 * the API server from its first server) are the readers' and are described in
 * the schemas in words.
 */
export const DEFAULTS = {
  Mesh: {
    cilium: {
      namespace: 'kube-system',
      kvstoremesh: true,
      authMode: 'cluster',
      maxConnectedClusters: 255,
      kubeProxyReplacement: true,
      routing: { mode: 'tunnel', tunnelProtocol: 'vxlan' },
      encryption: { type: 'none', nodeEncryption: false },
      hubble: { enabled: true, relay: false, ui: false },
      // cronJob renews the certificates on its own; the schedule is the one 1.20 sets by default
      // (1.18 and 1.19 leave it unset: no CronJob at all), every 4 months, well within the validity.
      certificates: { method: 'cronJob', schedule: '0 0 1 */4 *', issuerRef: { kind: 'Issuer', group: 'cert-manager.io' } },
    },
    secrets: {
      provider: 'sops',
      caFile: 'secrets/cilium-mesh-ca.sops.yaml',
      externalSecrets: { storeRef: { kind: 'ClusterSecretStore' }, refreshInterval: '1h' },
    },
    delivery: {
      engine: 'flux',
      repository: { branch: 'main', path: 'dist' },
      interval: '10m',
      argocd: { namespace: 'argocd', project: 'default' },
    },
    verificationKit: { enabled: false, namespace: 'mesh-check', calls: 60 },
  },
  Cluster: {
    podCidrMaskSize: 24,
    serviceCidr: '10.43.0.0/16',
    nodePortRange: '30000-32767',
    nodes: [{ role: 'server' }],
    meshEndpoint: { type: 'NodePort', externalTrafficPolicy: 'Cluster' },
    // kube-vip's newest release when this was written (kube-vip/kube-vip tag v1.2.3); pin a digest by writing image@sha256:….
    apiServer: { port: 6443, kubeVip: { image: 'ghcr.io/kube-vip/kube-vip:v1.2.3' } },
  },
  GlobalServices: {
    services: [
      {
        clusters: 'all',
        shared: true,
        ports: [{ protocol: 'TCP' }],
        backend: {
          replicas: 1,
          imagePullPolicy: 'IfNotPresent',
          runAsNonRoot: false,
          // Small, and no CPU limit: a limit throttles a backend for no one's benefit; the memory limit protects the node.
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
        },
      },
    ],
  },
  Policies: {
    policies: [{ ports: [{ protocol: 'TCP' }] }],
    defaultDeny: [{ clusters: 'all', direction: 'both' }],
    rawPolicies: [{ clusters: 'all' }],
  },
} as const;

/** The mesh endpoint nodePort of a cluster that sets none: distinct per cluster because ids are. */
export const DEFAULT_MESH_NODE_PORT_BASE = 32000;
