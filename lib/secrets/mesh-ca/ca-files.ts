/**
 * The two committed files of the mesh CA, outside dist/:
 * - `<caFile>` (default secrets/cilium-mesh-ca.sops.yaml): the Secret, SOPS-encrypted with age;
 * - `<caFile without .sops.yaml>.crt`: the public certificate in clear text, so synth and
 *   `ca show` can check expiry and basicConstraints without any key.
 * Both are written together by `ca init` / `ca rotate`; the Secret carries the certificate's
 * fingerprint in a readable, MAC-covered annotation, so synth can tell that the pair belongs
 * together without decrypting. Where an identity is at hand (`ca show`), the certificate inside
 * the ciphertext is compared with the clear one as well.
 */
import { existsSync } from 'fs';
import { resolve } from 'path';
import { FileSystemError } from '../../fs/file-system-error';
import { readProjectFile } from '../../fs/read-file';
import { describeKeyMaterial, findKeyMaterial } from '../../report/redact';
import { CaCertificateFacts, checkCaCertificate, CertificateFormatError, inspectCertificate } from './certificate';
import { sameRecipients } from '../sops/recipients';
import { CaFileOutline, checkCaFile } from './ca-secret';

export interface CaPaths {
  /** Relative to the project root, as the inventory names it. */
  readonly sopsFile: string;
  readonly certFile: string;
  readonly sopsPath: string;
  readonly certPath: string;
}

/** The clear certificate's name: `x.sops.yaml` -> `x.crt`, anything else -> `<name>.crt`. */
export function certFileFor(caFile: string): string {
  const m = /^(.*)\.sops\.ya?ml$/.exec(caFile);
  return m ? `${m[1]}.crt` : `${caFile}.crt`;
}

export function caPaths(projectRoot: string, caFile: string): CaPaths {
  const certFile = certFileFor(caFile);
  return { sopsFile: caFile, certFile, sopsPath: resolve(projectRoot, caFile), certPath: resolve(projectRoot, certFile) };
}

/**
 * The files of a CA rotation, beside the CA's (see lib/model/mesh.ts RotationPhase):
 * the next CA, encrypted and in clear, during trust-both; the previous CA's public
 * certificate during issue-new.
 */
export interface RotationPaths {
  readonly next: CaPaths;
  readonly previousCertFile: string;
  readonly previousCertPath: string;
}

export function rotationPaths(projectRoot: string, caFile: string): RotationPaths {
  const m = /^(.*)\.sops\.ya?ml$/.exec(caFile);
  const base = m ? m[1] : caFile;
  const previousCertFile = `${base}.previous.crt`;
  return { next: caPaths(projectRoot, `${base}.next.sops.yaml`), previousCertFile, previousCertPath: resolve(projectRoot, previousCertFile) };
}

/** The CA as synth sees it: ciphertext to copy, and the facts of the clear certificate. */
export interface CaOnDisk {
  readonly fileText: string;
  readonly outline: CaFileOutline;
  readonly certPem: string;
  readonly certificate: CaCertificateFacts;
}

export interface CaFileIssue {
  readonly severity: 'error' | 'warning';
  /** Relative path of the file concerned. */
  readonly file: string;
  readonly field: string;
  readonly message: string;
  readonly fix: string;
}

export interface ReadCaOptions {
  readonly projectRoot: string;
  readonly caFile: string;
  /** Cilium's namespace: the Secret must be there for the HelmChart to find it. */
  readonly namespace: string;
  /** The recipients the inventory lists; a file encrypted to others gets a warning. */
  readonly recipients: readonly string[];
  readonly now?: Date;
}

/**
 * Reads and checks the CA files without decrypting anything (synth has no key):
 * every issue found is returned; `ca` is set when the files can be copied into dist/.
 */
export function readCaFiles(options: ReadCaOptions): { ca?: CaOnDisk; issues: CaFileIssue[] } {
  const paths = caPaths(options.projectRoot, options.caFile);
  const issues: CaFileIssue[] = [];
  const issue = (file: string, severity: 'error' | 'warning', field: string, message: string, fix: string) => issues.push({ severity, file, field, message, fix });

  if (!existsSync(paths.sopsPath)) {
    issue(paths.sopsFile, 'error', '', 'does not exist: the mesh has no CA yet', "create it with 'npm run mesh -- ca init' (it encrypts the CA to secrets.ageRecipients), then commit secrets/");
    return { issues };
  }
  const fileText = readCaFile(paths.sopsPath, (e) => issue(paths.sopsFile, 'error', '', e.problem, `${e.fix}; the file is written by 'npm run mesh -- ca init' (or restore it from version control)`));
  if (fileText === undefined) return { issues };
  let outline: CaFileOutline | undefined;
  try {
    const checked = checkCaFile(fileText);
    for (const err of checked.errors) issue(paths.sopsFile, 'error', err.field, err.message, err.fix);
    if (checked.errors.length === 0) outline = checked.outline;
  } catch (err) {
    issue(paths.sopsFile, 'error', '', `is not a readable SOPS file: ${(err as Error).message}`, "restore it from version control, or write a new CA with 'npm run mesh -- ca rotate --one-step --yes'");
  }
  if (outline && outline.namespace !== options.namespace) {
    issue(
      paths.sopsFile,
      'error',
      'metadata.namespace',
      `puts the Secret in namespace '${outline.namespace}', but Cilium runs in '${options.namespace}' (cilium.namespace), where the HelmChart looks for it`,
      `set cilium.namespace back to '${outline.namespace}', or write a CA for the new namespace with 'npm run mesh -- ca rotate --one-step --yes' (the namespace is covered by the file's MAC and cannot be edited)`,
    );
  }
  if (outline && options.recipients.length > 0 && !sameRecipients(outline.recipients, options.recipients)) {
    const removed = removedRecipients(outline.recipients, options.recipients);
    issue(
      paths.sopsFile,
      'warning',
      'sops.age',
      `is encrypted to ${outline.recipients.join(', ')}, but secrets.ageRecipients lists ${options.recipients.join(', ')}`,
      removed.length > 0
        ? // Re-encrypting would keep a CA that the removed key has read (and can still read in git history).
          `rotate the CA, since ${removed.join(', ')} ${removed.length === 1 ? 'is' : 'are'} no longer listed but could read it: 'npm run mesh -- ca rotate' explains the phases, 'npm run mesh -- ca rotate --yes' starts them (--one-step --yes if no cluster runs this CA yet)`
        : "re-encrypt it for the inventory's list with 'npm run mesh -- secrets rekey' (needs SOPS_AGE_KEY_FILE or SOPS_AGE_KEY of a current recipient)",
    );
  }

  if (!existsSync(paths.certPath)) {
    issue(paths.certFile, 'error', '', `does not exist: the public certificate of the CA in ${paths.sopsFile} is missing`, "restore it from version control, or write it again with 'npm run mesh -- ca show --write-cert' (needs an age identity)");
    return { issues };
  }
  const certPem = readCaFile(paths.certPath, (e) => issue(paths.certFile, 'error', '', e.problem, `${e.fix}; then write the certificate again with 'npm run mesh -- ca show --write-cert' (or restore it from version control)`));
  if (certPem === undefined) return { issues };
  const keyInCert = findKeyMaterial(certPem)[0];
  if (keyInCert) {
    issue(
      paths.certFile,
      'error',
      '',
      `holds ${describeKeyMaterial(keyInCert.kind)} in clear at line ${keyInCert.line}, beside the certificate: the file is committed in clear text`,
      "keep only the certificate in it ('npm run mesh -- ca show --write-cert' writes it from the encrypted file); if the key was committed, treat it as leaked and rotate the CA ('npm run mesh -- ca rotate --one-step --yes')",
    );
    return { issues };
  }
  let certificate: CaCertificateFacts;
  try {
    certificate = inspectCertificate(certPem);
  } catch (err) {
    const message = err instanceof CertificateFormatError ? err.message : String(err);
    issue(paths.certFile, 'error', '', message, "restore it from version control, or write it again with 'npm run mesh -- ca show --write-cert'");
    return { issues };
  }
  for (const check of checkCaCertificate(certificate, options.now)) issue(paths.certFile, check.severity, '', check.message, check.fix);
  if (outline?.fingerprintSha256 !== undefined && outline.fingerprintSha256 !== certificate.fingerprintSha256) {
    issue(
      paths.certFile,
      'error',
      '',
      `is not the certificate of the CA in ${paths.sopsFile} (fingerprint ${certificate.fingerprintSha256}, the Secret says ${outline.fingerprintSha256})`,
      "restore both files from the same commit, or write the certificate again with 'npm run mesh -- ca show --write-cert'",
    );
  }
  const hasError = issues.some((i) => i.severity === 'error');
  return { ca: hasError || !outline ? undefined : { fileText, outline, certPem, certificate }, issues };
}

/** The file's text, or undefined after reporting why it cannot be read. */
function readCaFile(path: string, report: (err: FileSystemError) => void): string | undefined {
  try {
    return readProjectFile(path).toString('utf8');
  } catch (err) {
    if (!(err instanceof FileSystemError)) throw err;
    report(err);
    return undefined;
  }
}

/** Recipients of the file that the inventory no longer lists, normalised. */
export function removedRecipients(fileRecipients: readonly string[], listed: readonly string[]): string[] {
  const norm = (x: string) => x.trim().toLowerCase();
  const keep = new Set(listed.map(norm));
  return [...new Set(fileRecipients.map(norm))].filter((r) => !keep.has(r)).sort();
}

