/**
 * What the `token` commands share: the cluster a command names, its join token
 * file, and the account of what replacing a token means for a running cluster.
 */
import { existsSync } from 'fs';
import { resolve } from 'path';
import { readProjectFile } from '../../fs/read-file';
import { Cluster } from '../../model/mesh';
import { checkJoinTokenFile, joinTokenFile } from '../../secrets/k3s-token';
import { K3S_TOKEN_FILE } from '../../bootstrap/k3s-node-config';
import { UsageError } from '../command';
import { SopsMesh } from './ca-support';

export interface TokenPaths {
  /** Relative to the project root. */
  readonly file: string;
  readonly path: string;
}

/** The cluster the command line names, and its token file. */
export function tokenTarget(m: SopsMesh, name: string): { cluster: Cluster; paths: TokenPaths } {
  const cluster = m.mesh.clusters.find((c) => c.name === name);
  if (!cluster) {
    const names = m.mesh.clusters.map((c) => c.name).join(', ');
    throw new UsageError(`the mesh has no cluster named '${name}'`, `name one of its clusters (${names}), or add it first with 'npm run mesh -- add-cluster ${name} --server IP'`);
  }
  if (m.mesh.secrets.provider !== 'sops') throw new Error('tokenTarget needs provider sops');
  const file = joinTokenFile(m.mesh.secrets.caFile, name);
  return { cluster, paths: { file, path: resolve(m.root, file) } };
}

/** The token file's text, checked without a key; a UsageError when it is missing or not proven ciphertext. */
export function requireTokenFile(paths: TokenPaths, cluster: string): { text: string; recipients: readonly string[] } {
  if (!existsSync(paths.path)) throw new UsageError(`${paths.file} does not exist: ${cluster} has no join token yet`, `create it with 'npm run mesh -- token create ${cluster}'`);
  const text = readProjectFile(paths.path).toString('utf8');
  const { outline, issues } = checkJoinTokenFile(text, cluster);
  if (!outline) {
    const first = issues[0];
    throw new UsageError(`${paths.file}${first.line === undefined ? '' : `:${first.line}`}${first.field ? ` ${first.field}:` : ''} ${first.message}`, first.fix);
  }
  return { text, recipients: outline.recipients };
}

/** What replacing the join token of a running cluster means (k3s-io/docs docs/cli/token.md, `k3s token rotate`). */
export function tokenRotationAccount(cluster: string): string {
  return [
    `What a new join token means for ${cluster}:`,
    '  - A cluster not yet started simply starts with the new token.',
    '  - A running cluster keeps the token it started with until it is rotated on one server (k3s token rotate):',
    `      k3s token rotate --token "$(cat ${K3S_TOKEN_FILE})" --new-token "$(npm run --silent mesh -- token show ${cluster})"`,
    `    Then every server and every agent that joined with the old token must be restarted with the new one: write it`,
    `    to ${K3S_TOKEN_FILE} (mode 0600) on each node and restart k3s, the servers one at a time, then the agents.`,
    '  - etcd snapshots taken before the rotation need the old token to be restored: the old token file stays in git',
    '    history, readable by the recipients of its time.',
    '  - If the rotation is because the token leaked, remove the leaked age key from secrets.ageRecipients first.',
  ].join('\n');
}
