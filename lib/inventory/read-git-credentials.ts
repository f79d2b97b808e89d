/**
 * Whether the inventory's repository needs credentials that are not committed:
 * an ssh:// repository cannot be cloned without a key. Only the file's presence
 * is looked at; lib/secrets/git-credentials/read-committed.ts reads and checks it
 * after the inventory, like the CA.
 */
import { existsSync } from 'fs';
import { resolve } from 'path';
import { GIT_CREDENTIALS_FILE, gitAuthOf } from '../model/git-credentials';
import { repositoryUrlProblem } from '../model/kubernetes-names';
import { DeliverySettings } from '../model/mesh';
import { Problem } from '../report/problems';
import { WRITE_SSH } from '../secrets/git-credentials/read-committed';
import { SourceFile } from './source-file';

export function missingGitCredentials(meshFile: SourceFile, delivery: DeliverySettings, projectRoot: string): Problem[] {
  const url = delivery.repository?.url;
  if (url === undefined || repositoryUrlProblem(url) !== undefined || gitAuthOf(url) !== 'ssh') return [];
  if (existsSync(resolve(projectRoot, GIT_CREDENTIALS_FILE))) return [];
  return [
    meshFile.problem(['delivery', 'repository', 'url'], `is an ssh:// URL, but ${GIT_CREDENTIALS_FILE} does not exist: Flux and Argo CD cannot clone over SSH without a key`, WRITE_SSH, { severity: 'warning' }),
  ];
}
