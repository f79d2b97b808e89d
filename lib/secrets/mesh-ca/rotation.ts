/**
 * The phases of a CA rotation without an outage and what each does to the
 * clusters. Cilium's chart reads the CAs it trusts from `tls.caBundle` (agents'
 * and KVStoreMesh's etcd clients, the clustermesh-apiserver etcd server with
 * --trusted-ca-file, operator, Hubble relay), and issues certificates from
 * `tls.ca` (templates of 1.18.12, 1.19.6 and 1.20.0). So a rotation widens trust
 * first, switches the issuer second, and narrows trust last: at every step a
 * cluster that has synced and one that has not trust each other's certificates.
 */
import { RotationPhase } from '../../model/mesh';

/** The phase `ca rotate --yes` starts from the given one (none, or a completed rotation, starts a new one). */
export function nextRotationPhase(phase: RotationPhase | undefined): RotationPhase {
  if (phase === 'trust-both') return 'issue-new';
  if (phase === 'issue-new') return 'drop-old';
  return 'trust-both';
}

/** What the clusters trust and which CA issues, per phase. */
export const PHASE_STATE: Record<RotationPhase | 'none', string> = {
  none: 'no rotation under way: the clusters trust the CA (caFile) and it issues every certificate',
  'trust-both': 'every cluster trusts the current CA and the next one (*.next.sops.yaml); certificates are still issued from the current CA',
  'issue-new': 'the new CA (caFile) issues every certificate; the clusters still trust the previous one (*.previous.crt)',
  'drop-old': 'rotation complete: the clusters trust only the CA (caFile), which issues every certificate',
};

/** What starting each phase writes and what happens in the clusters once its commit syncs. */
export const PHASE_ACCOUNT: Record<RotationPhase, readonly string[]> = {
  'trust-both': [
    'phase 1 of 3, trust-both: a new CA is written beside the current one (<caFile base>.next.sops.yaml and .next.crt),',
    '  and secrets.rotation.phase: trust-both in the mesh file. Once synthesised and synced, the trust bundle',
    '  (ConfigMap cilium-root-ca.crt, tls.caBundle) of every cluster holds both CAs; certificates still come from the',
    '  current CA, so nothing changes for the connections between clusters. clustermesh-apiserver restarts once to read it.',
  ],
  'issue-new': [
    'phase 2 of 3, issue-new: the next CA becomes the CA (caFile and its certificate), the old certificate stays',
    '  trusted as <caFile base>.previous.crt, and secrets.rotation.phase: issue-new. Once synced, each cluster issues its',
    '  clustermesh certificates from the new CA (method cronJob: the certgen Job runs again; helm: at this helm run;',
    '  certmanager: when your issuer signs with the new CA). Clusters that synced and clusters that did not trust each',
    '  other, since every cluster trusts both CAs.',
  ],
  'drop-old': [
    'phase 3 of 3, drop-old: <caFile base>.previous.crt is deleted and secrets.rotation.phase: drop-old. Once synced, the',
    '  clusters trust only the new CA. Start it only when every cluster has issued its certificates from the new CA',
    '  (phase issue-new synced everywhere): a certificate still from the old CA is refused after this.',
  ],
};

/** The one-step replacement and what it breaks. */
export const ONE_STEP_ACCOUNT = [
  'A one-step rotation (--one-step) replaces the CA at once, with no phase in which both are trusted:',
  '  - Every certificate Cilium made from the old CA is re-issued from the new one when each cluster syncs the commit.',
  '  - Until every cluster has the new CA, clusters on the new CA and clusters on the old one REJECT EACH OTHER:',
  '    cross-cluster discovery (remote endpoints, identities, global service backends) stops between them; pods',
  '    started meanwhile are not seen by the other side. It is a planned outage of the mesh between the clusters.',
  '  - Use it before any cluster runs the CA (replacing the demo CA of a new mesh), or when the old CA must stop',
  '    being trusted at once (its key leaked). Otherwise use the phases: npm run mesh -- ca rotate --yes.',
  '  - A copy of the old CA Secret left in /var/lib/rancher/k3s/server/manifests/ on a server would bring the old CA',
  '    back at the next k3s restart: remove it (bootstrap/README.md says so too).',
  '  - The old CA stays readable in git history by the old recipients.',
].join('\n');
