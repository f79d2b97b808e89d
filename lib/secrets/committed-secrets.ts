/**
 * Reads the committed secret files a valid mesh names, without decrypting
 * anything (synth has no key): the mesh CA's SOPS file and the clear
 * certificate beside it, checked against the inventory (namespace, recipients,
 * expiry), the GitOps repository's credentials and the clusters' k3s join
 * tokens, when committed. Run after
 * the inventory loaded without errors.
 */
import { Mesh } from '../model/mesh';
import { CommittedSecrets } from '../model/committed-secrets';
import { Problem } from '../report/problems';
import { readGitCredentials } from './git-credentials/read-committed';
import { readJoinTokenFiles } from './k3s-token/read-committed';
import { readCaFiles } from './mesh-ca/ca-files';

export interface ReadCommittedSecretsOptions {
  /** The folder secrets.caFile is relative to. */
  readonly projectRoot: string;
  /** Clock for the CA expiry checks. @default now */
  readonly now?: Date;
}

export interface CommittedSecretsResult {
  /** Present when the files can be copied into the output. */
  readonly secrets?: CommittedSecrets;
  /** Errors and warnings about the files, each naming the file and the fix. */
  readonly problems: readonly Problem[];
}

export function readCommittedSecrets(mesh: Mesh, options: ReadCommittedSecretsOptions): CommittedSecretsResult {
  const { secrets, cilium } = mesh;
  const problems: Problem[] = [];
  const joinTokenFiles = readJoinTokenFiles(mesh, options.projectRoot, problems);
  const gitCredentials = readGitCredentials(mesh.delivery, problems, { projectRoot: options.projectRoot, recipients: secrets.provider === 'sops' ? secrets.ageRecipients : undefined });
  if (secrets.provider !== 'sops') return { secrets: { gitCredentials, joinTokenFiles }, problems };
  const { ca, issues } = readCaFiles({ projectRoot: options.projectRoot, caFile: secrets.caFile, namespace: cilium.namespace, recipients: secrets.ageRecipients, now: options.now });
  problems.push(...issues.map((i): Problem => ({ severity: i.severity, file: i.file, field: i.field, message: i.message, fix: i.fix })));
  return { secrets: ca && { meshCaText: ca.fileText, meshCaFingerprint: ca.certificate.fingerprintSha256, gitCredentials, joinTokenFiles }, problems };
}
