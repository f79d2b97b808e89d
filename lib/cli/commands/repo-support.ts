/**
 * What the `repo` commands share: the credentials file's path and reading it
 * without a key, refusing it (nothing decrypted, nothing written) when it
 * cannot be used.
 */
import { existsSync } from 'fs';
import { resolve } from 'path';
import { readProjectFile } from '../../fs/read-file';
import { GIT_CREDENTIALS_FILE, GitCredentialsOutline } from '../../model/git-credentials';
import { checkCredentialsFile } from '../../secrets/git-credentials';
import { SopsError } from '../../secrets/sops';
import { UsageError } from '../command';
import { sopsUsageError } from './ca-support';

export const credentialsPath = (root: string): string => resolve(root, GIT_CREDENTIALS_FILE);

/** The credentials file's text and outline; a user error when it is missing or not proven ciphertext. */
export function requireCredentialsFile(root: string): { text: string; outline: GitCredentialsOutline } {
  const path = credentialsPath(root);
  if (!existsSync(path)) {
    throw new UsageError(`${GIT_CREDENTIALS_FILE} does not exist: the repository has no credentials yet`, "write them with 'npm run mesh -- repo credentials' (--ssh-key and --known-hosts, or --token-file)");
  }
  const text = readProjectFile(path).toString('utf8');
  try {
    const { outline, issues } = checkCredentialsFile(text);
    if (issues.length > 0) {
      const [first] = issues;
      throw new UsageError(`${GIT_CREDENTIALS_FILE}${first.line === undefined ? '' : `:${first.line}`} ${first.field}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''}: npm run mesh -- validate lists them)` : ''}`, first.fix);
    }
    return { text, outline };
  } catch (err) {
    if (err instanceof SopsError) throw sopsUsageError(err, GIT_CREDENTIALS_FILE);
    throw err;
  }
}
