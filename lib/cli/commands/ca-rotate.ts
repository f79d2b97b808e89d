import { existsSync } from 'fs';
import { readProjectFile } from '../../fs/read-file';
import { inspectCertificate } from '../../secrets/mesh-ca';
import { MeshCommand } from '../command';
import { DEFAULT_CA_DAYS, MAX_CA_DAYS } from '../../secrets/mesh-ca/certificate';
import { describeCertificate, parseDays, requireCaFile, sopsMesh, writeNewCa } from './ca-support';

/** What replacing the mesh CA does to running clusters; printed before anything is written. */
export const ROTATION_ACCOUNT = [
  'What a CA rotation means for running clusters:',
  '  - Every certificate Cilium made from the old CA (clustermesh-apiserver server, admin, client and remote',
  '    certificates; Hubble certificates through the certgen Job it starts) is re-issued from the new one at the next helm run of the HelmChart,',
  '    which happens when GitOps applies the new Secret cilium-mesh-ca in that cluster.',
  '  - Until every cluster has the new CA, clusters on the new CA and clusters on the old one reject each',
  '    other: cross-cluster discovery (remote endpoints, identities, global service backends) pauses between',
  '    them. Existing connections keep working; pods started meanwhile are not seen by the other side.',
  '  - So commit the new CA in one commit for all clusters and let every cluster sync promptly. If a cluster',
  "    stays disconnected after it synced, restart its agents: 'kubectl -n <cilium namespace> rollout restart",
  "    ds/cilium deploy/clustermesh-apiserver'.",
  '  - A copy of the old CA Secret left in /var/lib/rancher/k3s/server/manifests/ on a server would bring the',
  '    old CA back at the next k3s restart: remove it (bootstrap/README.md says so too).',
  '  - The old CA stays readable in git history by the old recipients. If the rotation is because a key',
  '    leaked, also remove the leaked age key from secrets.ageRecipients before rotating.',
].join('\n');

export const caRotateCommand: MeshCommand = {
  words: ['ca', 'rotate'],
  summary: 'replace the mesh CA with a new one (--yes to write; without it, explain what a rotation does to running clusters) (--days N)',
  options: {
    yes: { type: 'boolean', description: 'write the new CA (without it, ca rotate explains what a rotation does and writes nothing)' },
    days: { type: 'string', value: 'N', description: `validity of the new CA in days (default ${DEFAULT_CA_DAYS}, at most ${MAX_CA_DAYS})` },
  },
  writesProject: (line) => line.values.yes === true,
  async run(line, context) {
    const days = parseDays(line);
    const m = sopsMesh(context);
    requireCaFile(m.paths);
    const old = existsSync(m.paths.certPath) ? safeInspect(m.paths.certPath) : undefined;
    if (line.values.yes !== true) {
      context.stderr.write(
        `${ROTATION_ACCOUNT}\n\nerror: nothing was written: ca rotate replaces the CA only when told so with --yes. Fix: run 'npm run mesh -- ca rotate --yes' to replace the CA in ${m.paths.sopsFile}\n`,
      );
      return 1;
    }
    const cert = await writeNewCa(m, days);
    context.stdout.write(
      [
        `rotated the mesh CA of mesh '${m.mesh.name}'${old ? ` (old sha256 ${old.fingerprintSha256})` : ''}; the new one:`,
        ...describeCertificate(cert),
        `wrote ${m.paths.sopsFile} and ${m.paths.certFile}`,
        '',
        ROTATION_ACCOUNT,
        '',
        "next: 'npm run synth', then commit secrets/ and dist/ together, in one commit.",
        '',
      ].join('\n'),
    );
    return 0;
  },
};

/** The old certificate, for the message only: an unreadable one is replaced all the same. */
function safeInspect(path: string) {
  try {
    return inspectCertificate(readProjectFile(path).toString('utf8'));
  } catch {
    return undefined;
  }
}
