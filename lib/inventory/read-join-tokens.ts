/**
 * Which clusters need a k3s join token file that is not committed
 * (secrets/<cluster>.k3s-token.sops.yaml, beside the CA file): a cluster whose
 * nodes join one another (more than one node) cannot start without one. Only
 * the files' presence is looked at; lib/secrets/k3s-token/read-committed.ts
 * reads and checks them after the inventory, like the CA.
 */
import { existsSync } from 'fs';
import { resolve } from 'path';
import { Cluster, SecretsSettings } from '../model/mesh';
import { Problem } from '../report/problems';
import { joinTokenFile } from '../secrets/k3s-token';
import { DEFAULTS } from './defaults';
import { DeclaredCluster } from './mesh-rules';

export function missingJoinTokens(declared: readonly DeclaredCluster[], secrets: SecretsSettings, projectRoot: string, problems: Problem[]): void {
  const caFile = secrets.provider === 'sops' ? secrets.caFile : DEFAULTS.Mesh.secrets.caFile;
  for (const { cluster, file } of declared) {
    const tokenFile = joinTokenFile(caFile, cluster.name);
    if (!joinsNodes(cluster) || existsSync(resolve(projectRoot, tokenFile))) continue;
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
  }
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

