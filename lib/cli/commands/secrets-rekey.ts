import { existsSync } from 'fs';
import { writeFilesAtomically } from '../../fs/atomic-write';
import { GIT_CREDENTIALS_FILE } from '../../model/git-credentials';
import { checkCredentialsFile } from '../../secrets/git-credentials';
import { rekey, SopsError } from '../../secrets/sops';
import { MeshCommand, UsageError } from '../command';
import { caFileError, checkedCaFile, identities, provenCaFileText, requireCaFile, sopsMesh, sopsUsageError } from './ca-support';
import { credentialsPath, requireCredentialsFile } from './repo-support';

const norm = (xs: readonly string[]) => [...new Set(xs.map((x) => x.trim().toLowerCase()))].sort();

export const secretsRekeyCommand: MeshCommand = {
  words: ['secrets', 'rekey'],
  summary: `re-encrypt the CA file (and ${GIT_CREDENTIALS_FILE}, where it exists) for the current secrets.ageRecipients, keeping what they hold (needs SOPS_AGE_KEY_FILE or SOPS_AGE_KEY of a current recipient)`,
  writesProject: () => true,
  async run(_line, context) {
    const m = sopsMesh(context);
    const caText = requireCaFile(m.paths);
    const before = checkedCaFile(m.paths, caText).recipients;
    const credentials = existsSync(credentialsPath(m.root)) ? requireCredentialsFile(m.root) : undefined;
    const stale = (recipients: readonly string[]) => norm(recipients).join() !== norm(m.recipients).join();
    const caStale = stale(before);
    const credentialsStale = credentials !== undefined && stale(credentials.outline.recipients);
    if (!caStale && !credentialsStale) {
      context.stdout.write(`${[m.paths.sopsFile, ...(credentials ? [GIT_CREDENTIALS_FILE] : [])].join(' and ')} ${credentials ? 'are' : 'is'} already encrypted to exactly secrets.ageRecipients; nothing to do\n`);
      return 0;
    }
    const ids = identities(context.env, "'secrets rekey'");
    const writes: { path: string; content: string }[] = [];
    if (caStale) {
      let updated: string;
      try {
        updated = await rekey(caText, { identities: ids, recipients: m.recipients });
      } catch (err) {
        const error = caFileError(m.paths, err);
        throw new UsageError(`${error.problem}; nothing was written`, error.fix);
      }
      writes.push({ path: m.paths.sopsPath, content: provenCaFileText(m.paths, updated) });
    }
    if (credentials && credentialsStale) {
      let updated: string;
      try {
        updated = await rekey(credentials.text, { identities: ids, recipients: m.recipients });
      } catch (err) {
        if (!(err instanceof SopsError)) throw err;
        const error = sopsUsageError(err, GIT_CREDENTIALS_FILE);
        throw new UsageError(`${error.problem}; nothing was written`, error.fix);
      }
      // The same gate as every writer of the file: only proven ciphertext.
      const { issues } = checkCredentialsFile(updated);
      if (issues.length > 0) throw new Error(`re-encrypted ${GIT_CREDENTIALS_FILE} would not be proven ciphertext: ${issues.map((i) => i.message).join('; ')}`);
      writes.push({ path: credentialsPath(m.root), content: updated });
    }
    // Both or neither: a run that fails half-way leaves every file as it was.
    writeFilesAtomically(m.root, writes);
    const was = caStale ? before : credentials!.outline.recipients;
    const added = norm(m.recipients).filter((r) => !norm(was).includes(r));
    const removed = norm(was).filter((r) => !norm(m.recipients).includes(r));
    const files = [...(caStale ? [m.paths.sopsFile] : []), ...(credentialsStale ? [GIT_CREDENTIALS_FILE] : [])];
    context.stdout.write(
      [
        `re-encrypted ${files.join(' and ')} for ${m.recipients.length} recipient${m.recipients.length === 1 ? '' : 's'} (the CA and the credentials themselves are unchanged):`,
        ...added.map((r) => `  + ${r}`),
        ...removed.map((r) => `  - ${r}`),
        ...(removed.length > 0 ? ['  removed recipients can still read the older versions in git history; rotate the CA (and the repository credentials) if that matters.'] : []),
        "next: 'npm run synth' and commit secrets/ and dist/ together.",
        '',
      ].join('\n'),
    );
    return 0;
  },
};
