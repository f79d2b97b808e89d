/**
 * The k3s join token file of every cluster (secrets/<cluster>.k3s-token.sops.yaml,
 * beside the CA file): a cluster whose nodes join one another (more than one
 * server, or any agent) needs it; where it exists it must be proven ciphertext,
 * like the CA file. Read without a key: synth never decrypts.
 */
import { existsSync } from 'fs';
import { resolve } from 'path';
import { FileSystemError } from '../fs/file-system-error';
import { readProjectFile } from '../fs/read-file';
import { Cluster, SecretsSettings } from '../model/mesh';
import { Problem } from '../report/problems';
import { checkJoinTokenFile, joinTokenFile } from '../secrets/k3s-token';
import { DEFAULTS } from './defaults';
import { DeclaredCluster } from './mesh-rules';

/** The token file of each cluster that has one (relative to the project root), by cluster name. */
export function readJoinTokens(declared: readonly DeclaredCluster[], secrets: SecretsSettings, projectRoot: string, problems: Problem[]): Map<string, string> {
  const found = new Map<string, string>();
  const caFile = secrets.provider === 'sops' ? secrets.caFile : DEFAULTS.Mesh.secrets.caFile;
  for (const { cluster, file } of declared) {
    const tokenFile = joinTokenFile(caFile, cluster.name);
    const path = resolve(projectRoot, tokenFile);
    if (!existsSync(path)) {
      if (!joinsNodes(cluster)) continue;
      const what = describeTopology(cluster);
      if (secrets.provider === 'sops') {
        problems.push(
          file.problem(['nodes'], `has ${what}, which join the cluster with its k3s token, but ${tokenFile} does not exist`, `create it with 'npm run mesh -- token create ${cluster.name}' (a random token, SOPS-encrypted to secrets.ageRecipients), then commit it`),
        );
      } else {
        problems.push(
          file.problem(['nodes'], `has ${what}, but the join token cannot be kept in git with secrets.provider external-secrets, so the hand-over makes one on the first server`, `copy /etc/rancher/k3s/cluster-token from the first server to every other node over a secure channel, or use secrets.provider: sops and 'npm run mesh -- token create ${cluster.name}'`, { severity: 'warning' }),
        );
      }
      continue;
    }
    let text: string;
    try {
      text = readProjectFile(path).toString('utf8');
    } catch (err) {
      if (!(err instanceof FileSystemError)) throw err;
      problems.push({ severity: 'error', file: tokenFile, field: '', message: err.problem, fix: `${err.fix}; the file is written by 'npm run mesh -- token create ${cluster.name}'` });
      continue;
    }
    const { outline, issues } = checkJoinTokenFile(text, cluster.name);
    for (const issue of issues) problems.push({ severity: 'error', file: tokenFile, field: issue.field, line: issue.line, message: issue.message, fix: issue.fix });
    if (!outline) continue;
    if (secrets.provider === 'sops' && secrets.ageRecipients.length > 0 && !sameSet(outline.recipients, secrets.ageRecipients)) {
      problems.push({
        severity: 'warning',
        file: tokenFile,
        field: 'sops.age',
        message: `is encrypted to ${outline.recipients.join(', ')}, but secrets.ageRecipients lists ${secrets.ageRecipients.join(', ')}`,
        fix: "re-encrypt it for the inventory's list with 'npm run mesh -- secrets rekey' (needs SOPS_AGE_KEY_FILE or SOPS_AGE_KEY of a current recipient)",
      });
    }
    found.set(cluster.name, tokenFile);
  }
  return found;
}

/** Whether any node joins another: k3s then needs the same token on all of them. */
export function joinsNodes(cluster: Pick<Cluster, 'nodes'>): boolean {
  return cluster.nodes.length > 1;
}

function describeTopology(cluster: Cluster): string {
  const servers = cluster.nodes.filter((n) => n.role === 'server').length;
  const agents = cluster.nodes.length - servers;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return agents === 0 ? plural(servers, 'server') : `${plural(servers, 'server')} and ${plural(agents, 'agent')}`;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const norm = (xs: readonly string[]) => [...new Set(xs.map((x) => x.trim().toLowerCase()))].sort().join(',');
  return norm(a) === norm(b);
}
