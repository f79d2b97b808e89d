/**
 * The credentials as the operator hands them over (read from files or stdin by
 * `npm run mesh -- repo credentials`), checked against the repository URL
 * before anything is encrypted. Problems never quote what the files hold.
 */
import { GitAuth, gitAuthOf, knownHostsNameOf } from '../../model/git-credentials';

export type GitCredentialMaterial =
  | { readonly auth: 'ssh'; readonly identity: string; readonly knownHosts: string }
  | { readonly auth: 'https'; readonly username: string; readonly password: string };

export interface MaterialProblem {
  /** The command-line option the problem is about. */
  readonly option: string;
  readonly message: string;
  readonly fix: string;
}

const PRIVATE_KEY = /-----BEGIN (?:OPENSSH |RSA |EC |DSA )?PRIVATE KEY-----[\s\S]+-----END (?:OPENSSH |RSA |EC |DSA )?PRIVATE KEY-----/;
const PUBLIC_KEY_LINE = /^(?:ssh-(?:ed25519|rsa|dss)|ecdsa-sha2-nistp\d+|sk-\S+)\s+[A-Za-z0-9+/=]+/;

/** Every problem of the credentials for `url`, at once; empty when they can be written. */
export function materialProblems(url: string, material: GitCredentialMaterial): MaterialProblem[] {
  const needed: GitAuth = gitAuthOf(url);
  if (material.auth !== needed) {
    return [
      needed === 'ssh'
        ? { option: '--token-file', message: `delivery.repository.url ${url} is an ssh:// URL: Flux and Argo CD clone it with an SSH key, not a token`, fix: 'give --ssh-key <file> and --known-hosts <file> instead, or set an https:// URL in clusters/mesh.yaml' }
        : { option: '--ssh-key', message: `delivery.repository.url ${url} is an https:// URL: Flux and Argo CD clone it with a user name and token, not an SSH key`, fix: 'give --token-file <file> (and --username) instead, or set an ssh:// URL in clusters/mesh.yaml' },
    ];
  }
  return material.auth === 'ssh' ? sshProblems(url, material.identity, material.knownHosts) : httpsProblems(material.username, material.password);
}

function sshProblems(url: string, identity: string, knownHosts: string): MaterialProblem[] {
  const problems: MaterialProblem[] = [];
  if (!PRIVATE_KEY.test(identity)) {
    problems.push({
      option: '--ssh-key',
      message: PUBLIC_KEY_LINE.test(identity.trim()) ? 'is an SSH public key: the clusters need the private key of the pair' : 'holds no PEM or OpenSSH private key (-----BEGIN … PRIVATE KEY-----)',
      fix: 'give the private key file (e.g. the one ssh-keygen wrote without .pub), whose public key is a deploy key of the repository',
    });
  }
  const entries = knownHosts.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const malformed = entries.findIndex((l) => !isKnownHostsLine(l));
  const host = knownHostsNameOf(url);
  if (entries.length === 0) {
    problems.push({ option: '--known-hosts', message: 'has no host key', fix: `give the host keys of the Git server, e.g. the output of 'ssh-keyscan ${host ?? '<host>'}' checked against the keys the server's operator publishes` });
  } else if (malformed >= 0) {
    problems.push({ option: '--known-hosts', message: `line ${malformed + 1} is not a known_hosts entry (host patterns, key type, base64 key)`, fix: 'give a file in OpenSSH known_hosts format, such as ssh-keyscan writes' });
  } else if (host && !entries.some((l) => namesHost(l, host))) {
    problems.push({ option: '--known-hosts', message: `names no key for ${host}, the host of delivery.repository.url: the clusters would refuse to connect`, fix: `add the host keys of ${host} ('ssh-keyscan${host.startsWith('[') ? ` -p ${host.split(':').pop()}` : ''} ${host.replace(/^\[|\]:\d+$/g, '')}', checked against the keys the server's operator publishes)` });
  }
  return problems;
}

function isKnownHostsLine(line: string): boolean {
  const fields = line.split(/\s+/);
  const rest = fields[0].startsWith('@') ? fields.slice(1) : fields;
  return rest.length >= 3 && PUBLIC_KEY_LINE.test(rest.slice(1).join(' '));
}

/** Whether an entry names the host; hashed names (|1|…) cannot be told without hashing, so they count. */
function namesHost(line: string, host: string): boolean {
  const fields = line.split(/\s+/);
  const patterns = (fields[0].startsWith('@') ? fields[1] : fields[0]).split(',');
  return patterns.some((p) => p.startsWith('|1|') || p.toLowerCase() === host);
}

function httpsProblems(username: string, password: string): MaterialProblem[] {
  const problems: MaterialProblem[] = [];
  if (username === '' || /[\s:]/.test(username)) {
    problems.push({ option: '--username', message: 'must be a non-empty user name without spaces or colons', fix: "give the user the token belongs to (many Git hosts accept any name with a token, e.g. 'git')" });
  }
  if (password === '') problems.push({ option: '--token-file', message: 'is empty', fix: 'give a file holding the access token (read access to the repository is enough)' });
  else if (/\s/.test(password)) problems.push({ option: '--token-file', message: 'holds more than one line or a space: a token is one word', fix: 'give a file with the token alone on its one line' });
  return problems;
}
