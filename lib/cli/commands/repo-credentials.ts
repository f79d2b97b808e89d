import { readFileSync } from 'fs';
import { writeFilesAtomically } from '../../fs/atomic-write';
import { readProjectFile } from '../../fs/read-file';
import { GIT_CREDENTIALS_FILE, GIT_CREDENTIALS_SECRET, FLUX_NAMESPACE, gitAuthOf, knownHostsNameOf } from '../../model/git-credentials';
import { checkCredentialsFile, encryptCredentials, GitCredentialMaterial, materialProblems } from '../../secrets/git-credentials';
import { SopsError } from '../../secrets/sops';
import { CommandLine, MeshCommand, UsageError } from '../command';
import { sopsMesh, sopsUsageError } from './ca-support';
import { credentialsPath } from './repo-support';

/** Default user name with a token: most Git hosts accept any name with a token. */
export const DEFAULT_GIT_USERNAME = 'git';

export const repoCredentialsCommand: MeshCommand = {
  words: ['repo', 'credentials'],
  summary: `write the GitOps repository's credentials to ${GIT_CREDENTIALS_FILE}, SOPS-encrypted to secrets.ageRecipients (--ssh-key F --known-hosts F for ssh://, --token-file F for https://; F may be - for stdin)`,
  options: {
    'ssh-key': { type: 'string', value: 'FILE', description: 'private key of a deploy key of the repository (ssh:// URL)' },
    'known-hosts': { type: 'string', value: 'FILE', description: "the Git server's host keys, in known_hosts format (ssh:// URL), e.g. from ssh-keyscan, checked" },
    'token-file': { type: 'string', value: 'FILE', description: 'a file holding an access token of the repository (https:// URL)' },
    username: { type: 'string', value: 'NAME', description: `user the token belongs to (https:// URL, default ${DEFAULT_GIT_USERNAME})` },
  },
  writesProject: () => true,
  async run(line, context) {
    const m = sopsMesh(context);
    const repository = m.mesh.delivery.repository;
    if (!repository) {
      throw new UsageError('clusters/mesh.yaml names no delivery.repository: there is no repository to write credentials for', 'add delivery.repository (url, branch, path) to clusters/mesh.yaml');
    }
    const material = readMaterial(line, gitAuthOf(repository.url));
    const problems = materialProblems(repository.url, material);
    if (problems.length > 0) {
      const given = (option: string) => (typeof line.values[option] === 'string' ? ` ${String(line.values[option])}` : '');
      throw new UsageError(
        `${problems.map((p) => `${p.option}${given(p.option.replace(/^--/, ''))}: ${p.message}`).join('; ')}; nothing was written`,
        problems.map((p) => p.fix).join('; '),
      );
    }
    let text: string;
    try {
      text = await encryptCredentials(repository.url, material, m.recipients);
    } catch (err) {
      if (!(err instanceof SopsError)) throw err;
      const sops = sopsUsageError(err);
      throw new UsageError(`secrets.ageRecipients: ${sops.problem}; nothing was written`, sops.fix);
    }
    // The same gate synth applies: nothing is written that is not proven ciphertext.
    const { issues } = checkCredentialsFile(text);
    if (issues.length > 0) throw new Error(`the credentials file would not be proven ciphertext: ${issues.map((i) => `${i.field} ${i.message}`).join('; ')}`);
    writeFilesAtomically(m.root, [{ path: credentialsPath(m.root), content: text }]);
    const what = material.auth === 'ssh' ? `an SSH key and the host keys of ${knownHostsNameOf(repository.url)}` : `a token of user ${material.username}`;
    context.stdout.write(
      [
        `wrote ${GIT_CREDENTIALS_FILE}: Secret ${GIT_CREDENTIALS_SECRET} (${FLUX_NAMESPACE}) with ${what} for ${repository.url},`,
        `  encrypted to ${m.recipients.length} age recipient${m.recipients.length === 1 ? '' : 's'}; nothing of it was printed.`,
        "next: 'npm run synth' (the Flux GitRepository names the Secret), review, and commit secrets/ and dist/ together.",
        "  The hand-over creates the Secret in each cluster; for Argo CD, apply 'npm run --silent mesh -- repo secret argocd' once where it runs.",
        '',
      ].join('\n'),
    );
    return 0;
  },
};

/** The credentials from the files the options name ('-' is stdin, for one of them). */
function readMaterial(line: CommandLine, needed: 'ssh' | 'https'): GitCredentialMaterial {
  const value = (name: string) => (typeof line.values[name] === 'string' ? (line.values[name] as string) : undefined);
  const sshKey = value('ssh-key');
  const knownHosts = value('known-hosts');
  const tokenFile = value('token-file');
  const username = value('username');
  const ssh = sshKey !== undefined || knownHosts !== undefined;
  if (ssh && (tokenFile !== undefined || username !== undefined)) {
    throw new UsageError('--ssh-key/--known-hosts and --token-file/--username are two kinds of credentials; give one', needed === 'ssh' ? 'for the ssh:// URL in delivery.repository.url, give --ssh-key and --known-hosts' : 'for the https:// URL in delivery.repository.url, give --token-file (and --username)');
  }
  if (!ssh && tokenFile === undefined) {
    throw new UsageError('no credentials given', needed === 'ssh' ? 'give --ssh-key <file> and --known-hosts <file> (the ssh:// URL in delivery.repository.url needs them)' : 'give --token-file <file> (and --username <name>; the https:// URL in delivery.repository.url needs them)');
  }
  if (ssh && (sshKey === undefined || knownHosts === undefined)) {
    throw new UsageError(`--${sshKey === undefined ? 'ssh-key' : 'known-hosts'} is missing: an SSH key is used with the server's host keys`, "give both --ssh-key <file> and --known-hosts <file> (e.g. the output of ssh-keyscan, checked against the keys the server's operator publishes)");
  }
  const files = [sshKey, knownHosts, tokenFile].filter((f) => f !== undefined);
  if (files.filter((f) => f === '-').length > 1) throw new UsageError('more than one option reads stdin (-)', 'give at most one of them as -, the others as files');
  if (ssh) return { auth: 'ssh', identity: readInput('--ssh-key', sshKey!), knownHosts: readInput('--known-hosts', knownHosts!) };
  return { auth: 'https', username: username ?? DEFAULT_GIT_USERNAME, password: readInput('--token-file', tokenFile!).replace(/\r?\n$/, '') };
}

/** A secret input, from a file or stdin; never echoed. */
function readInput(option: string, file: string): string {
  if (file === '-') return readFileSync(0, 'utf8');
  try {
    return readProjectFile(file).toString('utf8');
  } catch (err) {
    const e = err as { problem?: string; fix?: string };
    if (e.problem && e.fix) throw new UsageError(`${option} ${file} ${e.problem}`, e.fix);
    throw err;
  }
}
