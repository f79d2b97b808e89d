import { existsSync } from 'fs';
import { writeFilesAtomically } from '../../fs/atomic-write';
import { checkJoinTokenFile, encryptJoinToken, newJoinToken } from '../../secrets/k3s-token';
import { SopsError } from '../../secrets/sops';
import { MeshCommand, UsageError } from '../command';
import { sopsMesh, sopsUsageError } from './ca-support';
import { tokenRotationAccount, tokenTarget } from './token-support';

export const tokenCreateCommand: MeshCommand = {
  words: ['token', 'create'],
  summary: "create the k3s join token of a cluster in secrets/, SOPS-encrypted to secrets.ageRecipients (--rotate replaces an existing one)",
  positionals: ['CLUSTER'],
  options: { rotate: { type: 'boolean', description: 'replace an existing token (read what that means for a running cluster first: the command prints it)' } },
  writesProject: () => true,
  async run(line, context) {
    const m = sopsMesh(context);
    const { cluster, paths } = tokenTarget(m, line.positionals[0]);
    const exists = existsSync(paths.path);
    if (exists && line.values.rotate !== true) {
      context.stderr.write(`${tokenRotationAccount(cluster.name)}\n\n`);
      throw new UsageError(`${paths.file} already exists: ${cluster.name} has a join token`, `to replace it on purpose, run 'npm run mesh -- token create ${cluster.name} --rotate' (see above for what that means)`);
    }
    let text: string;
    try {
      text = await encryptJoinToken(newJoinToken(), m.recipients);
    } catch (err) {
      if (!(err instanceof SopsError)) throw err;
      const sops = sopsUsageError(err);
      throw new UsageError(`secrets.ageRecipients: ${sops.problem}; nothing was written`, sops.fix);
    }
    const { issues } = checkJoinTokenFile(text, cluster.name);
    if (issues.length > 0) throw new Error(`the new token file is not proven ciphertext: ${issues.map((i) => i.message).join('; ')}`);
    writeFilesAtomically(m.root, [{ path: paths.path, content: text }]);
    context.stdout.write(
      [
        `${exists ? 'replaced' : 'created'} the k3s join token of ${cluster.name}: wrote ${paths.file} (encrypted to ${m.recipients.length} age recipient${m.recipients.length === 1 ? '' : 's'}; the token is shown nowhere)`,
        ...(exists ? ['', tokenRotationAccount(cluster.name), ''] : []),
        `next: commit ${paths.file}; the hand-over decrypts it on each node ('npm run --silent mesh -- token show ${cluster.name}').`,
        '',
      ].join('\n'),
    );
    return 0;
  },
};
