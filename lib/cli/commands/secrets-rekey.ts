import { writeFilesAtomically } from '../../fs/atomic-write';
import { rekey } from '../../secrets/sops';
import { MeshCommand, UsageError } from '../command';
import { caFileError, checkedCaFile, identities, provenCaFileText, requireCaFile, sopsMesh } from './ca-support';

export const secretsRekeyCommand: MeshCommand = {
  words: ['secrets', 'rekey'],
  summary: 're-encrypt the CA file for the current secrets.ageRecipients, keeping the CA (needs SOPS_AGE_KEY_FILE or SOPS_AGE_KEY of a current recipient)',
  writesProject: () => true,
  async run(_line, context) {
    const m = sopsMesh(context);
    const text = requireCaFile(m.paths);
    const before = checkedCaFile(m.paths, text).recipients;
    const norm = (xs: readonly string[]) => [...new Set(xs.map((x) => x.trim().toLowerCase()))].sort();
    if (norm(before).join() === norm(m.recipients).join()) {
      context.stdout.write(`${m.paths.sopsFile} is already encrypted to exactly secrets.ageRecipients; nothing to do\n`);
      return 0;
    }
    const ids = identities(context.env, "'secrets rekey'");
    let updated: string;
    try {
      updated = await rekey(text, { identities: ids, recipients: m.recipients });
    } catch (err) {
      const error = caFileError(m.paths, err);
      throw new UsageError(`${error.problem}; nothing was written`, error.fix);
    }
    writeFilesAtomically(m.root, [{ path: m.paths.sopsPath, content: provenCaFileText(m.paths, updated) }]);
    const added = norm(m.recipients).filter((r) => !norm(before).includes(r));
    const removed = norm(before).filter((r) => !norm(m.recipients).includes(r));
    context.stdout.write(
      [
        `re-encrypted ${m.paths.sopsFile} for ${m.recipients.length} recipient${m.recipients.length === 1 ? '' : 's'} (the CA itself is unchanged):`,
        ...added.map((r) => `  + ${r}`),
        ...removed.map((r) => `  - ${r}`),
        ...(removed.length > 0
          ? [
              '  the removed recipients could read this CA, and still can in git history: re-encrypting does not take it from them.',
              "next: rotate the CA ('npm run mesh -- ca rotate' explains the phases); meanwhile 'npm run synth' and commit secrets/ and dist/ together.",
            ]
          : ["next: 'npm run synth' and commit secrets/ and dist/ together."]),
        '',
      ].join('\n'),
    );
    return 0;
  },
};
