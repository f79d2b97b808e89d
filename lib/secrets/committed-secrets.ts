/**
 * Reads the committed secret files a valid mesh names, without decrypting
 * anything (synth has no key): the mesh CA's SOPS file and the clear
 * certificate beside it, checked against the inventory (namespace, recipients,
 * expiry), the files of a CA rotation in progress (the next CA in phase
 * trust-both, or the previous CA's certificate in issue-new, which together with
 * the current CA make the trust bundle every cluster receives), the GitOps
 * repository's credentials and the clusters' k3s join tokens, when committed.
 * Run after the inventory loaded without errors.
 */
import { existsSync } from 'fs';
import { Mesh, RotationPhase } from '../model/mesh';
import { CommittedSecrets } from '../model/committed-secrets';
import { Problem } from '../report/problems';
import { FileSystemError } from '../fs/file-system-error';
import { readProjectFile } from '../fs/read-file';
import { demoMaterialInUse } from './demo-material';
import { readGitCredentials } from './git-credentials/read-committed';
import { readJoinTokenFiles } from './k3s-token/read-committed';
import { CaCertificateFacts, inspectCertificate } from './mesh-ca/certificate';
import { CaOnDisk, readCaFiles, rotationPaths } from './mesh-ca/ca-files';

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

const PHASE_FIELD = 'secrets.rotation.phase';

export function readCommittedSecrets(mesh: Mesh, options: ReadCommittedSecretsOptions): CommittedSecretsResult {
  const { secrets, cilium } = mesh;
  const problems: Problem[] = [];
  const joinTokenFiles = readJoinTokenFiles(mesh, options.projectRoot, problems);
  const gitCredentials = readGitCredentials(mesh.delivery, problems, { projectRoot: options.projectRoot, recipients: secrets.provider === 'sops' ? secrets.ageRecipients : undefined });
  if (secrets.provider !== 'sops') return { secrets: { gitCredentials, joinTokenFiles }, problems };
  const phase = secrets.rotationPhase;
  const paths = rotationPaths(options.projectRoot, secrets.caFile);
  const read = (caFile: string, recipients: readonly string[]) => {
    const { ca, issues } = readCaFiles({ projectRoot: options.projectRoot, caFile, namespace: cilium.namespace, recipients, now: options.now });
    problems.push(...issues.map((i): Problem => ({ severity: i.severity, file: i.file, field: i.field, message: i.message, fix: i.fix })));
    return ca;
  };
  // During trust-both the current CA is on its way out: its recipients are no longer the point.
  const current = read(secrets.caFile, phase === 'trust-both' ? [] : secrets.ageRecipients);
  const error = (file: string, message: string, fix: string) => problems.push({ severity: 'error', file, field: '', message, fix });

  let next: CaOnDisk | undefined;
  if (phase === 'trust-both') {
    if (!existsSync(paths.next.sopsPath)) {
      error(paths.next.sopsFile, `does not exist, but ${PHASE_FIELD} is trust-both: it holds the next CA`, "restore it from version control (ca rotate --yes wrote it in the commit that started the rotation)");
    } else next = read(paths.next.sopsFile, secrets.ageRecipients);
  } else {
    for (const file of [paths.next.sopsFile, paths.next.certFile]) {
      const path = file === paths.next.sopsFile ? paths.next.sopsPath : paths.next.certPath;
      if (existsSync(path)) error(file, `exists, but ${PHASE_FIELD} is ${phase ?? 'not set'}: only phase trust-both has a next CA`, nextCaFix(phase));
    }
  }

  let previous: CaCertificateFacts | undefined;
  let previousPem: string | undefined;
  if (phase === 'issue-new') {
    if (!existsSync(paths.previousCertPath)) {
      error(paths.previousCertFile, `does not exist, but ${PHASE_FIELD} is issue-new: it holds the certificate of the CA the clusters still trust`, 'restore it from version control (ca rotate --yes wrote it in the commit of phase issue-new)');
    } else {
      try {
        previousPem = readProjectFile(paths.previousCertPath).toString('utf8');
        previous = inspectCertificate(previousPem);
        if (!previous.isCa) error(paths.previousCertFile, 'is not a CA certificate (basicConstraints CA:true is missing)', 'restore it from version control');
      } catch (err) {
        if (err instanceof FileSystemError) error(paths.previousCertFile, err.problem, err.fix);
        else error(paths.previousCertFile, (err as Error).message, 'restore it from version control');
        previous = undefined;
      }
    }
  } else if (existsSync(paths.previousCertPath)) {
    error(paths.previousCertFile, `exists, but ${PHASE_FIELD} is ${phase ?? 'not set'}: only phase issue-new still trusts the previous CA`, phase === 'drop-old' ? 'delete it: the rotation dropped that CA' : 'restore clusters/mesh.yaml and secrets/ from the same commit');
  }

  const readable = current !== undefined && !problems.some((p) => p.severity === 'error');
  const demo = !readable ? undefined : demoMaterialInUse(secrets.ageRecipients, [current?.certificate.fingerprintSha256, next?.certificate.fingerprintSha256].filter((f): f is string => f !== undefined));
  if (demo !== undefined) {
    problems.push({
      severity: 'warning',
      file: secrets.caFile,
      field: '',
      message: `uses ${demo} of the example: its age identity is committed in this repository, so anyone can decrypt the CA`,
      fix: "replace the recipient in clusters/mesh.yaml with your own (each cluster's Flux or KSOPS key, the people who rotate the CA), then write a CA only they can open: 'npm run mesh -- ca rotate --one-step --yes' before any cluster runs it, else 'npm run mesh -- ca rotate --yes' phase by phase",
    });
  }

  if (problems.some((p) => p.severity === 'error') || !current) return { problems };
  const trusted = [{ pem: current.certPem, facts: current.certificate }];
  if (next) trusted.push({ pem: next.certPem, facts: next.certificate });
  if (previous && previousPem) trusted.push({ pem: previousPem, facts: previous });
  const trustBundlePem = trusted
    .sort((a, b) => a.facts.fingerprintSha256.localeCompare(b.facts.fingerprintSha256))
    .map((t) => `${t.pem.trim()}\n`)
    .join('');
  return { secrets: { meshCaText: current.fileText, trustBundlePem, issuerFingerprintSha256: current.certificate.fingerprintSha256, gitCredentials, joinTokenFiles }, problems };
}

function nextCaFix(phase: RotationPhase | undefined): string {
  if (phase === undefined || phase === 'drop-old') return "delete it if no rotation is under way, or set secrets.rotation.phase back to trust-both (restore clusters/mesh.yaml from the commit of 'ca rotate')";
  return 'delete it: phase issue-new made it the current CA (caFile)';
}
