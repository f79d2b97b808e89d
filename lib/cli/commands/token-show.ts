import { decryptJoinToken } from '../../secrets/k3s-token';
import { SopsError } from '../../secrets/sops';
import { MeshCommand, UsageError } from '../command';
import { identities, sopsMesh } from './ca-support';
import { requireTokenFile, tokenTarget } from './token-support';

export const tokenShowCommand: MeshCommand = {
  words: ['token', 'show'],
  summary: "print a cluster's decrypted k3s join token, for the node being bootstrapped (npm run --silent mesh -- token show CLUSTER > /etc/rancher/k3s/cluster-token)",
  positionals: ['CLUSTER'],
  async run(line, context) {
    const m = sopsMesh(context);
    const { cluster, paths } = tokenTarget(m, line.positionals[0]);
    const { text } = requireTokenFile(paths, cluster.name);
    const ids = identities(context.env, "'token show'");
    let token: string;
    try {
      token = await decryptJoinToken(text, ids);
    } catch (err) {
      const rewrite = `restore ${paths.file} from version control, or write a new token with 'npm run mesh -- token create ${cluster.name} --rotate'`;
      if (err instanceof SopsError) {
        const wrongKey = err.code === 'NO_IDENTITY' || err.code === 'DATA_KEY_DECRYPT_FAILED';
        throw new UsageError(`${paths.file}: ${err.message.replace(/\.$/, '')}`, wrongKey ? 'set SOPS_AGE_KEY_FILE to a file holding the age identity of one of the recipients in sops.age of the token file (or SOPS_AGE_KEY to the identity itself)' : rewrite);
      }
      throw new UsageError(`${paths.file} ${(err as Error).message}`, rewrite);
    }
    context.stdout.write(`${token}\n`);
    context.stderr.write(`printed the join token of ${cluster.name} in clear: anyone with it can join a node to the cluster; keep it off git and out of shell history.\n`);
    return 0;
  },
};
