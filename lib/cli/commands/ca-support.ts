/**
 * What the `ca` and `secrets` commands share: the inventory's secrets settings
 * (read without the CA files, which these commands create), the CA file paths,
 * the age identity, and turning library errors into one-line user errors.
 */
import { existsSync } from 'fs';
import { resolve } from 'path';
import { writeFilesAtomically } from '../../fs/atomic-write';
import { readProjectFile } from '../../fs/read-file';
import { loadInventory } from '../../inventory/load';
import { InventoryError, Problem } from '../../report/problems';
import { Mesh } from '../../model/mesh';
import {
  caPaths,
  CaFileOutline,
  CaPaths,
  checkCaFile,
  CaCertificateFacts,
  createMeshCa,
  DecryptedCa,
  decryptCaFile,
  DEFAULT_CA_DAYS,
  encryptCaSecret,
  inspectCertificate,
  isoDay,
  MAX_CA_DAYS,
  MeshCaError,
  REWRITE_CA_FIX,
} from '../../secrets/mesh-ca';
import { identitiesFromEnv, SopsError, SopsErrorCode } from '../../secrets/sops';
import { CommandContext, CommandLine, UsageError } from '../command';

export interface SopsMesh {
  /** The project root: CA files are written inside it. */
  readonly root: string;
  readonly mesh: Mesh;
  readonly namespace: string;
  readonly recipients: readonly string[];
  readonly paths: CaPaths;
}

/** Loads the inventory (without the CA files) and requires provider sops. Reports every inventory error at once. */
export function sopsMesh({ root, env }: CommandContext): SopsMesh {
  const result = loadInventory(resolve(root, env.MESH_INVENTORY ?? 'clusters'), { displayRoot: root, outputDir: resolve(root, env.MESH_OUTPUT ?? 'dist') });
  if (!result.mesh) throw new InventoryError(result.problems);
  const { secrets } = result.mesh;
  if (secrets.provider !== 'sops') {
    throw new UsageError(
      `secrets.provider is ${secrets.provider}: the mesh CA lives in your secret store (key '${secrets.remoteKey}', properties tls.crt and tls.key), not in git, ` +
        'and these commands manage the SOPS file of provider sops only',
      "manage the CA in your secret store; to keep it in git instead, set secrets.provider: sops with secrets.ageRecipients in clusters/mesh.yaml, then run 'npm run mesh -- ca init'",
    );
  }
  return { root, mesh: result.mesh, namespace: result.mesh.cilium.namespace, recipients: secrets.ageRecipients, paths: caPaths(root, secrets.caFile) };
}

export function requireCaFile(paths: CaPaths): string {
  if (!existsSync(paths.sopsPath)) {
    throw new UsageError(`${paths.sopsFile} does not exist: the mesh has no CA yet`, "create it with 'npm run mesh -- ca init'");
  }
  return readProjectFile(paths.sopsPath).toString('utf8');
}

/** age identities from SOPS_AGE_KEY_FILE / SOPS_AGE_KEY (as sops finds them); a clear error when there is none. */
export function identities(env: NodeJS.ProcessEnv, purpose: string): string[] {
  try {
    return identitiesFromEnv(env);
  } catch (err) {
    throw new UsageError(`${purpose} needs an age identity: ${withoutPeriod((err as Error).message)}`, IDENTITY_FIX);
  }
}

const IDENTITY_FIX = 'set SOPS_AGE_KEY_FILE to a file holding the age identity of one of the recipients in sops.age of the CA file (or SOPS_AGE_KEY to the identity itself)';

/** What to do about each kind of SOPS failure on the CA file. */
const SOPS_FIXES: Record<SopsErrorCode, string> = {
  MALFORMED_FILE: REWRITE_CA_FIX,
  UNSUPPORTED: `decrypt it with the sops CLI and keep the CA elsewhere, or ${REWRITE_CA_FIX}`,
  INVALID_INPUT: 'check secrets.ageRecipients in clusters/mesh.yaml: each must be an age public key (age1…, from age-keygen -y)',
  NO_IDENTITY: IDENTITY_FIX,
  DATA_KEY_DECRYPT_FAILED: `${IDENTITY_FIX}; if it is the right one, the file is damaged: ${REWRITE_CA_FIX}`,
  VALUE_DECRYPT_FAILED: `the file was changed without sops: ${REWRITE_CA_FIX}`,
  MAC_MISSING: REWRITE_CA_FIX,
  MAC_MISMATCH: `the file was changed without sops: ${REWRITE_CA_FIX}`,
};

/** A SOPS failure as a user error, naming the file when there is one. */
export function sopsUsageError(err: SopsError, file?: string): UsageError {
  return new UsageError(`${file ? `${file}: ` : ''}${withoutPeriod(err.message)}`, SOPS_FIXES[err.code] ?? REWRITE_CA_FIX);
}

/** A problem with the CA file (MeshCaError or SopsError) as a user error naming the file; anything else is rethrown. */
export function caFileError(paths: CaPaths, err: unknown): UsageError {
  if (err instanceof MeshCaError) {
    const where = `${paths.sopsFile}${err.line === undefined ? '' : `:${err.line}`}${err.field ? ` ${err.field}:` : ''}`;
    return new UsageError(`${where} ${err.message}`, err.fix);
  }
  if (err instanceof SopsError) return sopsUsageError(err, paths.sopsFile);
  throw err;
}

/** Every problem of the CA file's readable parts, as the loader reports them; the outline when there is none. */
export function checkedCaFile(paths: CaPaths, text: string): CaFileOutline {
  let checked: ReturnType<typeof checkCaFile>;
  try {
    checked = checkCaFile(text);
  } catch (err) {
    throw caFileError(paths, err);
  }
  if (checked.errors.length > 0) throw new InventoryError(checked.errors.map((e) => caProblem(paths, e)));
  return checked.outline!;
}

/**
 * The CA file text a command is about to write, refused (nothing written)
 * unless it is proven ciphertext: no command writes a file synth would refuse
 * to copy, nor one that shows key material.
 */
export function provenCaFileText(paths: CaPaths, text: string): string {
  let errors: MeshCaError[];
  try {
    errors = checkCaFile(text).errors;
  } catch (err) {
    throw caFileError(paths, err);
  }
  if (errors.length === 0) return text;
  throw new InventoryError(errors.map((e) => ({ ...caProblem(paths, e), message: `would be written with a problem, so nothing was written: ${e.message}` })));
}

function caProblem(paths: CaPaths, err: MeshCaError): Problem {
  return { severity: 'error', file: paths.sopsFile, field: err.field, line: err.line, message: err.message, fix: err.fix };
}

/** Decrypts and checks the CA file; library errors become user errors naming the file. */
export async function decryptCa(paths: CaPaths, text: string, ids: readonly string[]): Promise<DecryptedCa> {
  checkedCaFile(paths, text);
  try {
    return await decryptCaFile(text, ids);
  } catch (err) {
    throw caFileError(paths, err);
  }
}

/** The fix for a CA file whose Secret is in another namespace than Cilium's. */
export const NAMESPACE_FIX = (namespace: string) =>
  `set cilium.namespace back to '${namespace}' in clusters/mesh.yaml, or write a CA for the new namespace with 'npm run mesh -- ca rotate --one-step --yes'`;

function withoutPeriod(text: string): string {
  return text.trim().replace(/\.$/, '');
}

/** `--days N` (validity of a new CA), default DEFAULT_CA_DAYS. */
export function parseDays(line: CommandLine): number {
  const text = line.values.days;
  if (text === undefined) return DEFAULT_CA_DAYS;
  const days = Number(text);
  if (typeof text !== 'string' || !/^\d+$/.test(text) || days < 1 || days > MAX_CA_DAYS) {
    throw new UsageError(`--days '${String(text)}' is not a whole number of days between 1 and ${MAX_CA_DAYS}`, `give --days a whole number of days between 1 and ${MAX_CA_DAYS}, or leave it out for ${DEFAULT_CA_DAYS} (five years)`);
  }
  return days;
}

export function describeCertificate(c: CaCertificateFacts, now: Date = new Date()): string[] {
  const days = Math.floor((c.notAfter.getTime() - now.getTime()) / 86_400_000);
  return [
    `  subject:      ${c.subject.replace(/\n/g, ', ')}`,
    `  sha256:       ${c.fingerprintSha256}`,
    `  valid from:   ${c.notBefore.toISOString()}`,
    `  expires:      ${c.notAfter.toISOString()} (${days >= 0 ? `in ${days} days` : `${-days} days ago`}, ${isoDay(c.notAfter)})`,
    `  CA:           ${c.isCa ? 'yes (basicConstraints CA:true)' : 'NO (basicConstraints CA:true is missing)'}`,
  ];
}

/** Creates a CA and writes the encrypted Secret and the clear certificate together, both or neither. */
export async function writeNewCa(m: SopsMesh, days: number): Promise<CaCertificateFacts> {
  const material = await createMeshCa({ meshName: m.mesh.name, days });
  let text: string;
  try {
    text = await encryptCaSecret(m.namespace, material, m.recipients);
  } catch (err) {
    if (err instanceof SopsError) {
      const sops = sopsUsageError(err as SopsError);
      throw new UsageError(`secrets.ageRecipients: ${sops.problem}; nothing was written`, sops.fix);
    }
    throw err;
  }
  provenCaFileText(m.paths, text);
  writeFilesAtomically(m.root, [
    { path: m.paths.sopsPath, content: text },
    { path: m.paths.certPath, content: material.certPem },
  ]);
  return inspectCertificate(material.certPem);
}
