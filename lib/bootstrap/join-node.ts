/**
 * dist/<cluster>/bootstrap/join-node.sh: joins one more node to a cluster whose
 * first server was brought up by handover.sh. Run as root on that node, from a
 * checkout of this repository: the join token goes where the node's k3s config
 * reads it (decrypted there, never in dist/), then k3s is installed with the
 * node's generated config as `k3s server` or `k3s agent`.
 */
import { Cluster, serverNodes } from '../model/mesh';
import { SUPPORT_FILES } from '../output/files';
import { joinUrl, K3S_TOKEN_FILE } from './k3s-node-config';
import { INSTALL_K3S_SHELL, installTokenFunction, shq } from './node-shell';

export function joinNodeScript(cluster: Cluster, tokenFile: string | undefined, distPath: string): string {
  const [first] = serverNodes(cluster);
  const joining = cluster.nodes.filter((n) => n !== first);
  const script = SUPPORT_FILES.joinNodeScript.file;
  return `#!/bin/sh
# Joins a node of ${cluster.name} at ${joinUrl(cluster)}, once ${SUPPORT_FILES.handoverScript.file} has run on ${first.name}.
# Run as root on the node, from a checkout of this repository, servers first:
${joining.map((n) => `#   sh ${distPath}/${cluster.name}/bootstrap/${script} ${n.name}   (${n.ip}, ${n.role})`).join('\n')}
# This file holds no secret: the join token is decrypted while it runs.
set -eu

CLUSTER=${shq(cluster.name)}
K3S_VERSION=${shq(cluster.k3sVersion ?? '')}
TOKEN_FILE=${K3S_TOKEN_FILE}
NODE=\${1:-}
HERE=$(cd "$(dirname "$0")" && pwd)
PROJECT=$(cd "$HERE/../../.." && pwd)

say() { printf '==> %s\\n' "$*"; }
fail() { printf 'join-node %s: %s\\n' "$CLUSTER" "$*" >&2; exit 1; }

${installTokenFunction(tokenFile, false)}

case "$NODE" in
${joining.map((n) => `  ${shq(n.name)}) ROLE=${n.role} ;;`).join('\n')}
  *) fail "usage: $0 NODE, one of: ${joining.map((n) => n.name).join(' ')} (${first.name} is brought up by ${SUPPORT_FILES.handoverScript.file})" ;;
esac
[ "$(id -u)" -eq 0 ] || fail "run as root on $NODE"

say "1/2 the join token of $CLUSTER in $TOKEN_FILE"
install -d -m 0755 /etc/rancher/k3s
install_token

say "2/2 install k3s on $NODE ($ROLE) with the generated config"
${INSTALL_K3S_SHELL}
say "$NODE runs k3s $ROLE; check with 'kubectl get nodes' on a server"
`;
}
