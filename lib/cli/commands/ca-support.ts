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
import { formatProblem } from '../../report/problems';
import { Mesh } from '../../model/mesh';
import {
  caPaths,
  CaPaths,
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
} from '../../secrets/mesh-ca';
import { identitiesFromEnv } from '../../secrets/sops';
import { CommandContext, UsageError } from '../command';

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
  const result = loadInventory(resolve(root, env.MESH_INVENTORY ?? 'clusters'), { displayRoot: root, caFiles: false, outputDir: resolve(root, env.MESH_OUTPUT ?? 'dist') });
  if (!result.mesh) {
    const errors = result.problems.filter((p) => p.severity === 'error');
    throw new UsageError(`the inventory has ${errors.length} error${errors.length === 1 ? '' : 's'}; nothing was written:\n${errors.map(formatProblem).join('\n')}`);
  }
  const { secrets } = result.mesh;
  if (secrets.provider !== 'sops') {
    throw new UsageError(
      `secrets.provider is ${secrets.provider}: the mesh CA lives in your secret store (key '${secrets.remoteKey}', properties tls.crt and tls.key), not in git. ` +
        'These commands manage the SOPS file of provider sops only.',
    );
  }
  return { root, mesh: result.mesh, namespace: result.mesh.cilium.namespace, recipients: secrets.ageRecipients, paths: caPaths(root, secrets.caFile) };
}

export function requireCaFile(paths: CaPaths): string {
  if (!existsSync(paths.sopsPath)) {
    throw new UsageError(`${paths.sopsFile} does not exist: the mesh has no CA yet. Create it with 'npm run mesh -- ca init'.`);
  }
  return readProjectFile(paths.sopsPath).toString('utf8');
}

/** age identities from SOPS_AGE_KEY_FILE / SOPS_AGE_KEY (as sops finds them); a clear error when there is none. */
export function identities(env: NodeJS.ProcessEnv, purpose: string): string[] {
  try {
    return identitiesFromEnv(env);
  } catch (err) {
    throw new UsageError(`${purpose} needs an age identity. ${(err as Error).message}`);
  }
}

/** Decrypts and checks the CA file; library errors become user errors naming the file. */
export async function decryptCa(paths: CaPaths, text: string, ids: readonly string[]): Promise<DecryptedCa> {
  try {
    return await decryptCaFile(text, ids);
  } catch (err) {
    if (err instanceof MeshCaError) throw new UsageError(`${paths.sopsFile}${err.field ? ` ${err.field}:` : ''} ${err.message}. Fix: ${err.fix}`);
    if ((err as Error).name === 'SopsError') throw new UsageError(`${paths.sopsFile}: ${(err as Error).message}`);
    throw err;
  }
}

/** `--days N` (validity of a new CA), default DEFAULT_CA_DAYS. */
export function parseDays(args: readonly string[]): number {
  const i = args.findIndex((a) => a === '--days' || a.startsWith('--days='));
  if (i < 0) return DEFAULT_CA_DAYS;
  const text = args[i].includes('=') ? args[i].slice('--days='.length) : args[i + 1];
  const days = Number(text);
  if (text === undefined || !/^\d+$/.test(text) || days < 1 || days > MAX_CA_DAYS) {
    throw new UsageError(`--days needs a whole number of days between 1 and ${MAX_CA_DAYS} (default ${DEFAULT_CA_DAYS}, five years)`);
  }
  return days;
}

/** Refuses options the command does not know, so a typo does not silently do the default. */
export function checkOptions(args: readonly string[], known: readonly string[], withValue: readonly string[] = []): void {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const name = a.split('=')[0];
    if (withValue.includes(name)) {
      if (!a.includes('=')) i++;
      continue;
    }
    if (!known.includes(a)) throw new UsageError(`unknown option '${a}' (known: ${[...known, ...withValue].join(', ') || 'none'})`);
  }
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
    if ((err as Error).name === 'SopsError') throw new UsageError(`secrets.ageRecipients: ${(err as Error).message} Nothing was written.`);
    throw err;
  }
  writeFilesAtomically(m.root, [
    { path: m.paths.sopsPath, content: text },
    { path: m.paths.certPath, content: material.certPem },
  ]);
  return inspectCertificate(material.certPem);
}
