import { existsSync } from 'fs';
import { FileToWrite, writeFilesAtomically } from '../../fs/atomic-write';
import { GIT_CREDENTIALS_FILE } from '../../model/git-credentials';
import { checkCredentialsFile } from '../../secrets/git-credentials';
import { checkJoinTokenFile } from '../../secrets/k3s-token';
import { normalRecipients, rekey, SopsError } from '../../secrets/sops';
import { MeshCommand, UsageError } from '../command';
import { caFileError, checkedCaFile, identities, provenCaFileText, requireCaFile, sopsMesh } from './ca-support';
import { credentialsPath, requireCredentialsFile } from './repo-support';
import { requireTokenFile, tokenTarget } from './token-support';

const norm = normalRecipients;

export const secretsRekeyCommand: MeshCommand = {
  words: ['secrets', 'rekey'],
  summary: `re-encrypt the CA file, ${GIT_CREDENTIALS_FILE} where it exists and every cluster's k3s join token file for the current secrets.ageRecipients, keeping their contents (needs SOPS_AGE_KEY_FILE or SOPS_AGE_KEY of a current recipient)`,
  writesProject: () => true,
  async run(_line, context) {
    const m = sopsMesh(context);
    const wanted = norm(m.recipients);
    // Every SOPS file the mesh keeps: the CA, the repository credentials, then the token file of each cluster that has one.
    const caText = requireCaFile(m.paths);
    const files: { file: string; path: string; text: string; before: readonly string[]; prove: (text: string) => string }[] = [
      { file: m.paths.sopsFile, path: m.paths.sopsPath, text: caText, before: checkedCaFile(m.paths, caText).recipients, prove: (t) => provenCaFileText(m.paths, t) },
    ];
    if (existsSync(credentialsPath(m.root))) {
      const credentials = requireCredentialsFile(m.root);
      files.push({
        file: GIT_CREDENTIALS_FILE,
        path: credentialsPath(m.root),
        text: credentials.text,
        before: credentials.outline.recipients,
        // The same gate as every writer of the file: only proven ciphertext.
        prove: (t) => {
          const { issues } = checkCredentialsFile(t);
          if (issues.length > 0) throw new Error(`re-encrypted ${GIT_CREDENTIALS_FILE} would not be proven ciphertext: ${issues.map((i) => i.message).join('; ')}`);
          return t;
        },
      });
    }
    for (const cluster of m.mesh.clusters) {
      const { paths } = tokenTarget(m, cluster.name);
      if (!existsSync(paths.path)) continue;
      const { text, recipients } = requireTokenFile(paths, cluster.name);
      files.push({
        file: paths.file,
        path: paths.path,
        text,
        before: recipients,
        prove: (t) => {
          const { issues } = checkJoinTokenFile(t, cluster.name);
          if (issues.length > 0) throw new UsageError(`${paths.file} would be written with a problem, so nothing was written: ${issues[0].message}`, issues[0].fix);
          return t;
        },
      });
    }
    const stale = files.filter((f) => norm(f.before).join() !== wanted.join());
    if (stale.length === 0) {
      context.stdout.write(`${files.map((f) => f.file).join(', ')} ${files.length === 1 ? 'is' : 'are'} already encrypted to exactly secrets.ageRecipients; nothing to do\n`);
      return 0;
    }
    const ids = identities(context.env, "'secrets rekey'");
    const writes: FileToWrite[] = [];
    for (const f of stale) {
      let updated: string;
      try {
        updated = await rekey(f.text, { identities: ids, recipients: m.recipients });
      } catch (err) {
        if (f.path === m.paths.sopsPath) {
          const error = caFileError(m.paths, err);
          throw new UsageError(`${error.problem}; nothing was written`, error.fix);
        }
        if (!(err instanceof SopsError)) throw err;
        throw new UsageError(`${f.file}: ${err.message.replace(/\.$/, '')}; nothing was written`, 'set SOPS_AGE_KEY_FILE to the age identity of a recipient the file is encrypted to; if it is damaged, restore it from version control');
      }
      writes.push({ path: f.path, content: f.prove(updated) });
    }
    // All files or none: a mesh half re-encrypted would leave some files to the old recipients only.
    writeFilesAtomically(m.root, writes);
    const added = wanted.filter((r) => stale.some((f) => !norm(f.before).includes(r)));
    const removed = [...new Set(stale.flatMap((f) => norm(f.before)))].filter((r) => !wanted.includes(r));
    context.stdout.write(
      [
        `re-encrypted for ${m.recipients.length} recipient${m.recipients.length === 1 ? '' : 's'} (the contents are unchanged): ${stale.map((f) => f.file).join(', ')}`,
        ...added.map((r) => `  + ${r}`),
        ...removed.map((r) => `  - ${r}`),
        ...(removed.length > 0
          ? [
              '  the removed recipients could read these files, and still can in git history: re-encrypting does not take them from them.',
              "next: rotate the CA ('npm run mesh -- ca rotate' explains the phases), and the repository credentials and join tokens if they could read them; meanwhile 'npm run synth' and commit secrets/ and dist/ together.",
            ]
          : ["next: 'npm run synth' and commit secrets/ and dist/ together."]),
        '',
      ].join('\n'),
    );
    return 0;
  },
};
