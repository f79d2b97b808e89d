/**
 * `ca rotate`: replaces the mesh CA without an outage, one committed phase at a
 * time (trust-both, issue-new, drop-old: lib/secrets/mesh-ca/rotation.ts), or
 * in one step with --one-step, which breaks the mesh until every cluster synced.
 */
import { existsSync, unlinkSync } from 'fs';
import { resolve } from 'path';
import { writeFilesAtomically } from '../../fs/atomic-write';
import { fsCall } from '../../fs/file-system-error';
import { readProjectFile } from '../../fs/read-file';
import { withRotationPhase } from '../../inventory/mesh-file-edit';
import { RotationPhase } from '../../model/mesh';
import { createMeshCa, encryptCaSecret, inspectCertificate, rotationPaths } from '../../secrets/mesh-ca';
import { DEFAULT_CA_DAYS, MAX_CA_DAYS } from '../../secrets/mesh-ca/certificate';
import { nextRotationPhase, ONE_STEP_ACCOUNT, PHASE_ACCOUNT, PHASE_STATE } from '../../secrets/mesh-ca/rotation';
import { SopsError } from '../../secrets/sops';
import { CommandContext, MeshCommand, UsageError } from '../command';
import { checkedCaFile, describeCertificate, parseDays, provenCaFileText, requireCaFile, SopsMesh, sopsMesh, sopsUsageError, writeNewCa } from './ca-support';
import { requireCommittedAndSynthesised } from './committed-state';

export const caRotateCommand: MeshCommand = {
  words: ['ca', 'rotate'],
  summary: 'replace the mesh CA without an outage, one committed phase per run (trust-both, issue-new, drop-old; --yes to write; without it, what the next phase does) (--one-step: at once, breaking the mesh until every cluster synced) (--days N)',
  options: {
    yes: { type: 'boolean', description: 'write the next phase (without it, ca rotate says what the next phase does and writes nothing)' },
    'one-step': { type: 'boolean', description: 'replace the CA at once: clusters on the old and the new CA reject each other until every cluster has synced' },
    days: { type: 'string', value: 'N', description: `validity of the new CA in days (default ${DEFAULT_CA_DAYS}, at most ${MAX_CA_DAYS})` },
  },
  writesProject: (line) => line.values.yes === true,
  async run(line, context) {
    const days = parseDays(line);
    const m = sopsMesh(context);
    requireCaFile(m.paths);
    const phase = m.mesh.secrets.provider === 'sops' ? m.mesh.secrets.rotationPhase : undefined;
    if (line.values['one-step'] === true) return oneStep(m, phase, days, line.values.yes === true, context);
    const next = nextRotationPhase(phase);
    if (line.values.yes !== true) {
      context.stderr.write(
        [
          `where the rotation stands: ${PHASE_STATE[phase ?? 'none']}.`,
          '',
          ...PHASE_ACCOUNT[next],
          '',
          `error: nothing was written: ca rotate writes the next phase only when told so with --yes. Fix: run 'npm run mesh -- ca rotate --yes' to start phase ${next}, after the previous phase is committed and synced by every cluster`,
          '',
        ].join('\n'),
      );
      return 1;
    }
    requireCommittedAndSynthesised({ root: m.root, env: context.env, caFile: m.paths.sopsFile, problems: context.stderr, next: `phase ${next}` });
    const inventoryDir = resolve(m.root, context.env.MESH_INVENTORY ?? 'clusters');
    const written = next === 'trust-both' ? await startTrustBoth(m, inventoryDir, days) : next === 'issue-new' ? issueNew(m, inventoryDir) : dropOld(m, inventoryDir);
    context.stdout.write(
      [
        `started phase ${next} of the CA rotation of mesh '${m.mesh.name}':`,
        ...written.map((w) => `  ${w}`),
        '',
        ...PHASE_ACCOUNT[next],
        '',
        `next: 'npm run synth', then commit clusters/, secrets/ and dist/ together, in one commit, and let every cluster sync it${next === 'drop-old' ? '; the rotation is then complete' : `; then 'npm run mesh -- ca rotate --yes' starts phase ${nextRotationPhase(next)}`}.`,
        '',
      ].join('\n'),
    );
    return 0;
  },
};

/** Phase 1: a new CA beside the current one, encrypted to the inventory's recipients. */
async function startTrustBoth(m: SopsMesh, inventoryDir: string, days: number): Promise<string[]> {
  const { next } = rotationPaths(m.root, m.paths.sopsFile);
  const material = await createMeshCa({ meshName: m.mesh.name, days });
  let text: string;
  try {
    text = await encryptCaSecret(m.namespace, material, m.recipients);
  } catch (err) {
    if (!(err instanceof SopsError)) throw err;
    const sops = sopsUsageError(err);
    throw new UsageError(`secrets.ageRecipients: ${sops.problem}; nothing was written`, sops.fix);
  }
  provenCaFileText(next, text);
  const mesh = withRotationPhase(inventoryDir, 'trust-both');
  writeFilesAtomically(m.root, [
    { path: next.sopsPath, content: text },
    { path: next.certPath, content: material.certPem },
    mesh,
  ]);
  const cert = inspectCertificate(material.certPem);
  return [`wrote the next CA: ${next.sopsFile} and ${next.certFile} (sha256 ${cert.fingerprintSha256}, expires ${cert.notAfter.toISOString()})`, `set secrets.rotation.phase: trust-both in ${displayPath(m, mesh.path)}`];
}

/** Phase 2: the next CA becomes the CA; the old certificate stays trusted. No key is needed: the next file is already the Secret the HelmChart reads. */
function issueNew(m: SopsMesh, inventoryDir: string): string[] {
  const paths = rotationPaths(m.root, m.paths.sopsFile);
  const nextText = requireCaFile(paths.next);
  const outline = checkedCaFile(paths.next, nextText);
  const nextCert = readProjectFile(paths.next.certPath).toString('utf8');
  if (outline.fingerprintSha256 !== inspectCertificate(nextCert).fingerprintSha256) {
    throw new UsageError(`${paths.next.certFile} is not the certificate of the CA in ${paths.next.sopsFile}`, 'restore both files from the commit of phase trust-both');
  }
  const oldCert = readProjectFile(m.paths.certPath).toString('utf8');
  const mesh = withRotationPhase(inventoryDir, 'issue-new');
  writeFilesAtomically(m.root, [
    { path: m.paths.sopsPath, content: nextText },
    { path: m.paths.certPath, content: nextCert },
    { path: paths.previousCertPath, content: oldCert },
    mesh,
  ]);
  // Removed after the switch: a run killed in between leaves them, and synth names them to delete.
  for (const path of [paths.next.sopsPath, paths.next.certPath]) fsCall('remove', path, () => unlinkSync(path));
  return [
    `${m.paths.sopsFile} and ${m.paths.certFile} now hold the new CA (sha256 ${outline.fingerprintSha256}); removed ${paths.next.sopsFile} and ${paths.next.certFile}`,
    `kept the old certificate as ${paths.previousCertFile} (sha256 ${inspectCertificate(oldCert).fingerprintSha256}), still trusted`,
    `set secrets.rotation.phase: issue-new in ${displayPath(m, mesh.path)}`,
  ];
}

/** Phase 3: the old CA is no longer trusted. */
function dropOld(m: SopsMesh, inventoryDir: string): string[] {
  const paths = rotationPaths(m.root, m.paths.sopsFile);
  const mesh = withRotationPhase(inventoryDir, 'drop-old');
  writeFilesAtomically(m.root, [mesh]);
  if (existsSync(paths.previousCertPath)) fsCall('remove', paths.previousCertPath, () => unlinkSync(paths.previousCertPath));
  return [`removed ${paths.previousCertFile}: the old CA is no longer trusted`, `set secrets.rotation.phase: drop-old in ${displayPath(m, mesh.path)}`];
}

async function oneStep(m: SopsMesh, phase: RotationPhase | undefined, days: number, yes: boolean, context: CommandContext): Promise<number> {
  if (phase === 'trust-both' || phase === 'issue-new') {
    throw new UsageError(
      `a phased rotation is under way (secrets.rotation.phase: ${phase}), so the CA cannot be replaced in one step`,
      "finish it with 'npm run mesh -- ca rotate --yes' (one commit per phase)",
    );
  }
  if (!yes) {
    context.stderr.write(`${ONE_STEP_ACCOUNT}\n\nerror: nothing was written: ca rotate --one-step replaces the CA only when told so with --yes. Fix: run 'npm run mesh -- ca rotate --one-step --yes' to replace the CA in ${m.paths.sopsFile}, or 'npm run mesh -- ca rotate --yes' for a rotation without an outage\n`);
    return 1;
  }
  const old = existsSync(m.paths.certPath) ? safeInspect(m.paths.certPath) : undefined;
  const cert = await writeNewCa(m, days);
  context.stdout.write(
    [
      `replaced the mesh CA of mesh '${m.mesh.name}' in one step${old ? ` (old sha256 ${old.fingerprintSha256})` : ''}; the new one:`,
      ...describeCertificate(cert),
      `wrote ${m.paths.sopsFile} and ${m.paths.certFile}`,
      '',
      ONE_STEP_ACCOUNT,
      '',
      "next: 'npm run synth', then commit secrets/ and dist/ together, in one commit, and let every cluster sync it promptly.",
      '',
    ].join('\n'),
  );
  return 0;
}

function displayPath(m: SopsMesh, path: string): string {
  return path.startsWith(`${m.root}/`) ? path.slice(m.root.length + 1) : path;
}

/** The old certificate, for the message only: an unreadable one is replaced all the same. */
function safeInspect(path: string) {
  try {
    return inspectCertificate(readProjectFile(path).toString('utf8'));
  } catch {
    return undefined;
  }
}
