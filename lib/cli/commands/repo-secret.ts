import { GIT_CREDENTIALS_FILE } from '../../model/git-credentials';
import { argoCdRepositorySecret, decryptCredentials, fluxCredentialsSecret } from '../../secrets/git-credentials';
import { SopsError } from '../../secrets/sops';
import { toYaml } from '../../output/yaml';
import { MeshCommand, UsageError } from '../command';
import { identities, sopsMesh, sopsUsageError } from './ca-support';
import { requireCredentialsFile } from './repo-support';

const ENGINES = ['flux', 'argocd'] as const;

export const repoSecretCommand: MeshCommand = {
  words: ['repo', 'secret'],
  summary: `print the decrypted repository Secret for the hand-over: flux (flux-system, for the GitRepository) or argocd (Argo CD's repository Secret), e.g. npm run --silent mesh -- repo secret flux | kubectl apply -f -`,
  positionals: ['engine'],
  async run(line, context) {
    const engine = line.positionals[0];
    if (!(ENGINES as readonly string[]).includes(engine)) {
      throw new UsageError(`'${engine}' is not a delivery engine`, `give ${ENGINES.join(' or ')}`);
    }
    const m = sopsMesh(context);
    const { text } = requireCredentialsFile(m.root);
    const repository = m.mesh.delivery.repository;
    let decrypted: Awaited<ReturnType<typeof decryptCredentials>>;
    try {
      decrypted = await decryptCredentials(text, identities(context.env, "'repo secret'"));
    } catch (err) {
      if (err instanceof SopsError) throw sopsUsageError(err, GIT_CREDENTIALS_FILE);
      throw err;
    }
    if (repository?.url !== decrypted.url) {
      throw new UsageError(
        `${GIT_CREDENTIALS_FILE} holds credentials for ${decrypted.url}, but delivery.repository.url is ${repository?.url ?? 'not set'}`,
        "write credentials for the inventory's URL with 'npm run mesh -- repo credentials'",
      );
    }
    const secret = engine === 'flux' ? fluxCredentialsSecret(decrypted.url, decrypted.material) : argoCdRepositorySecret(decrypted.url, decrypted.material, m.mesh.delivery.argocd.namespace);
    context.stdout.write(toYaml(secret));
    context.stderr.write('printed the repository credentials in clear: apply them and delete any copy; keep them off git.\n');
    return 0;
  },
};
