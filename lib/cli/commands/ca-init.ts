import { existsSync } from 'fs';
import { MeshCommand, UsageError } from '../command';
import { DEFAULT_CA_DAYS, MAX_CA_DAYS } from '../../secrets/mesh-ca/certificate';
import { describeCertificate, parseDays, sopsMesh, writeNewCa } from './ca-support';

export const caInitCommand: MeshCommand = {
  words: ['ca', 'init'],
  summary: 'create the mesh CA and write it to secrets/, SOPS-encrypted to secrets.ageRecipients, with its public certificate (--days N, default 1825)',
  options: { days: { type: 'string', value: 'N', description: `validity of the new CA in days (default ${DEFAULT_CA_DAYS}, at most ${MAX_CA_DAYS})` } },
  writesProject: () => true,
  async run(line, context) {
    const days = parseDays(line);
    const m = sopsMesh(context);
    if (existsSync(m.paths.sopsPath)) {
      throw new UsageError(
        `${m.paths.sopsFile} already exists: the mesh has a CA, and replacing it interrupts the mesh until every cluster has the new one`,
        "to replace it on purpose, run 'npm run mesh -- ca rotate' (it explains what a rotation means for running clusters)",
      );
    }
    const cert = await writeNewCa(m, days);
    context.stdout.write(
      [
        `created the mesh CA for mesh '${m.mesh.name}':`,
        ...describeCertificate(cert),
        `wrote ${m.paths.sopsFile} (Secret cilium-mesh-ca in ${m.namespace}, encrypted to ${m.recipients.length} age recipient${m.recipients.length === 1 ? '' : 's'})`,
        `wrote ${m.paths.certFile} (the public certificate, in clear)`,
        "next: 'npm run synth', review, and commit secrets/ and dist/ together. The key exists nowhere else: keep an age identity of the recipients safe.",
        '',
      ].join('\n'),
    );
    return 0;
  },
};
