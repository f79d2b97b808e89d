/**
 * The shell that handover.sh and join-node.sh share: quoting, the join token
 * put where every node's k3s config reads it, and k3s installed with that
 * node's generated config at the pinned release.
 */
import { K3S_TOKEN_FILE } from './k3s-node-config';

/** Single-quoted for POSIX sh. */
export function shq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The environment variable naming a file with the clear join token, for a node without npm or the age key. */
export const TOKEN_FILE_ENV = 'MESH_K3S_TOKEN_FILE';

/**
 * Defines install_token: the cluster's join token into $TOKEN_FILE (mode 0600).
 * With a token file in git it is decrypted here (`npm run mesh -- token show`, or the
 * clear copy in MESH_K3S_TOKEN_FILE); without one (a single server) the first server
 * makes a random one, which nothing else needs. Needs CLUSTER, PROJECT, TOKEN_FILE, fail.
 */
export function installTokenFunction(tokenFile: string | undefined, makeIfMissing: boolean): string {
  if (!tokenFile) {
    return `install_token() {
  [ -s "$TOKEN_FILE" ] && return 0
${
  makeIfMissing
    ? `  # No token file in git (a single server): a random token made here, which no other node needs.
  od -An -N32 -tx1 /dev/urandom | tr -d ' \\n' | install -m 0600 /dev/stdin "$TOKEN_FILE"`
    : `  fail "$TOKEN_FILE is missing: copy it from the first server (mode 0600, over a secure channel), or keep the token in git with 'npm run mesh -- token create $CLUSTER'"`
}
}`;
  }
  return `install_token() {
  umask 077
  if [ -n "\${${TOKEN_FILE_ENV}:-}" ]; then
    cp "$${TOKEN_FILE_ENV}" "$TOKEN_FILE.new"
  elif command -v npm >/dev/null 2>&1; then
    (cd "$PROJECT" && npm run --silent mesh -- token show "$CLUSTER") >"$TOKEN_FILE.new" ||
      { rm -f "$TOKEN_FILE.new"; fail "could not decrypt ${tokenFile}: set SOPS_AGE_KEY_FILE to an age identity of its recipients, or use ${TOKEN_FILE_ENV}"; }
  else
    fail "no npm here: run 'npm run --silent mesh -- token show $CLUSTER > cluster-token' where the age key is, copy the file here and set ${TOKEN_FILE_ENV} to it"
  fi
  [ -s "$TOKEN_FILE.new" ] || { rm -f "$TOKEN_FILE.new"; fail "the join token is empty"; }
  if [ -s "$TOKEN_FILE" ] && ! cmp -s "$TOKEN_FILE.new" "$TOKEN_FILE"; then
    rm -f "$TOKEN_FILE.new"
    fail "$TOKEN_FILE holds another token than ${tokenFile}; if the token was replaced (token create --rotate), rotate it in the cluster first (k3s token rotate), then remove $TOKEN_FILE and run this again"
  fi
  chmod 0600 "$TOKEN_FILE.new"
  mv "$TOKEN_FILE.new" "$TOKEN_FILE"
}`;
}

/**
 * Installs k3s with "$HERE/k3s-config-$NODE.yaml" at K3S_VERSION (if pinned),
 * as $ROLE; an installed k3s must already run that config and release.
 */
export const INSTALL_K3S_SHELL = `if command -v k3s >/dev/null 2>&1; then
  cmp -s "$HERE/k3s-config-$NODE.yaml" /etc/rancher/k3s/config.yaml ||
    fail "k3s is installed with another /etc/rancher/k3s/config.yaml; compare it with $HERE/k3s-config-$NODE.yaml"
  if [ -n "$K3S_VERSION" ]; then
    installed=$(k3s --version | sed -n 's/^k3s version \\([^ ]*\\).*/\\1/p')
    [ "$installed" = "$K3S_VERSION" ] ||
      fail "k3s $installed is installed, but k3s.version pins $K3S_VERSION: upgrade it (the k3s installer with INSTALL_K3S_VERSION=$K3S_VERSION) or change k3s.version"
  fi
else
  install -m 0600 "$HERE/k3s-config-$NODE.yaml" /etc/rancher/k3s/config.yaml
  if [ -n "$K3S_VERSION" ]; then
    [ -z "\${INSTALL_K3S_VERSION:-}" ] || [ "$INSTALL_K3S_VERSION" = "$K3S_VERSION" ] ||
      fail "INSTALL_K3S_VERSION is $INSTALL_K3S_VERSION, but k3s.version pins $K3S_VERSION: unset it, or change k3s.version and synth"
    curl -sfL https://get.k3s.io | INSTALL_K3S_VERSION="$K3S_VERSION" INSTALL_K3S_EXEC="$ROLE" sh -
  else
    curl -sfL https://get.k3s.io | INSTALL_K3S_EXEC="$ROLE" sh -
  fi
fi`;

export { K3S_TOKEN_FILE };
