/**
 * The committed credentials of the GitOps repository
 * (secrets/git-credentials.sops.yaml), read after the inventory like the CA and
 * checked without a key: proven ciphertext, written for the repository URL the
 * inventory names, of the kind its scheme needs (ssh:// an SSH key, https:// a
 * token), encrypted to the recipients the inventory lists.
 */
import { existsSync } from 'fs';
import { resolve } from 'path';
import { FileSystemError } from '../../fs/file-system-error';
import { readProjectFile } from '../../fs/read-file';
import { CommittedSecrets } from '../../model/committed-secrets';
import { GIT_CREDENTIALS_FILE, GitAuth, gitAuthOf } from '../../model/git-credentials';
import { repositoryUrlProblem } from '../../model/kubernetes-names';
import { DeliverySettings } from '../../model/mesh';
import { Problem } from '../../report/problems';
import { sameRecipients, SopsError } from '../sops';
import { checkCredentialsFile, REWRITE_CREDENTIALS_FIX } from './credentials-file';

export const WRITE_SSH = "write them with 'npm run mesh -- repo credentials --ssh-key <file> --known-hosts <file>'";
const WRITE_TOKEN = "write them with 'npm run mesh -- repo credentials --token-file <file> [--username <name>]'";

export interface ReadGitCredentialsOptions {
  readonly projectRoot: string;
  /** The age recipients the inventory lists (provider sops); a file encrypted to others gets a warning. */
  readonly recipients?: readonly string[];
}

/** The credentials the delivery uses, or undefined when there are none (or they cannot be used: then problems say why). */
export function readGitCredentials(delivery: DeliverySettings, problems: Problem[], options: ReadGitCredentialsOptions): CommittedSecrets['gitCredentials'] {
  const path = resolve(options.projectRoot, GIT_CREDENTIALS_FILE);
  const url = delivery.repository?.url;
  const usableUrl = url !== undefined && repositoryUrlProblem(url) === undefined ? url : undefined;
  const problem = (severity: Problem['severity'], field: string, message: string, fix: string, line?: number) =>
    problems.push({ severity, file: GIT_CREDENTIALS_FILE, field, line, message, fix });

  // Absent: fine for a public repository; the loader warns about an ssh:// one.
  if (!existsSync(path)) return undefined;
  let text: string;
  try {
    text = readProjectFile(path).toString('utf8');
  } catch (err) {
    if (!(err instanceof FileSystemError)) throw err;
    problem('error', '', err.problem, `${err.fix}; the file is written by 'npm run mesh -- repo credentials' (or restore it from version control)`);
    return undefined;
  }
  let checked: ReturnType<typeof checkCredentialsFile>;
  try {
    checked = checkCredentialsFile(text);
  } catch (err) {
    if (!(err instanceof SopsError)) throw err;
    problem('error', '', `is not a readable SOPS file: ${err.message.replace(/\.$/, '')}`, REWRITE_CREDENTIALS_FIX);
    return undefined;
  }
  for (const issue of checked.issues) problem('error', issue.field, issue.message, issue.fix, issue.line);
  const { outline } = checked;
  if (!usableUrl) {
    if (url === undefined) problem('warning', '', 'holds repository credentials, but clusters/mesh.yaml names no delivery.repository: nothing uses them', 'add delivery.repository, or delete the file');
    return undefined;
  }
  const needed: GitAuth = gitAuthOf(usableUrl);
  if (outline.url !== undefined && outline.url !== usableUrl) {
    problem(
      'error',
      'metadata.annotations',
      `holds credentials for ${outline.url}, but delivery.repository.url is ${usableUrl}`,
      `${needed === 'ssh' ? WRITE_SSH : WRITE_TOKEN} for the new URL (the URL is covered by the file's MAC and cannot be edited)`,
    );
  }
  if (outline.auth !== undefined && outline.auth !== needed) {
    problem(
      'error',
      'stringData',
      needed === 'ssh' ? `holds a user name and token, but ${usableUrl} is an ssh:// URL, which needs an SSH key` : `holds an SSH key, but ${usableUrl} is an https:// URL, which needs a user name and token`,
      needed === 'ssh' ? WRITE_SSH : WRITE_TOKEN,
    );
  }
  if (options.recipients && options.recipients.length > 0 && !sameRecipients(outline.recipients, options.recipients)) {
    problem(
      'warning',
      'sops.age',
      `is encrypted to ${outline.recipients.join(', ')}, but secrets.ageRecipients lists ${options.recipients.join(', ')}`,
      "re-encrypt it for the inventory's list with 'npm run mesh -- secrets rekey' (needs SOPS_AGE_KEY_FILE or SOPS_AGE_KEY of a current recipient)",
    );
  }
  return checked.issues.length === 0 && outline.auth === needed && outline.url === usableUrl ? { auth: needed } : undefined;
}
