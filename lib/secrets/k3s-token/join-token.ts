/**
 * The k3s join token of one cluster, kept in git beside the mesh CA as a SOPS
 * file encrypted to the mesh's age recipients: `<secrets dir>/<cluster>.k3s-token.sops.yaml`,
 * whose one value `token` is encrypted (encrypted_regex ^token$). It never
 * reaches dist/: the bootstrap decrypts it on the node (`npm run mesh --
 * token show`), where k3s reads it from its token file.
 *
 * The token is k3s's "short" format, a password: k3s-io/docs docs/cli/token.md
 * says only that format can start the first server unless custom CA
 * certificates are in use (the secure `K10<CA hash>::<credentials>` format
 * needs the CA hash, known only after the first start).
 */
import { randomBytes } from 'crypto';
import { dirname, join } from 'path';
import { decryptYaml, encryptYaml, outlineSopsFile, proveCiphertext } from '../sops';
import { describeKeyMaterial } from '../../report/redact';

/** The file's one key; sops encrypts exactly it. */
export const JOIN_TOKEN_KEY = 'token';
const ENCRYPTED_REGEX = `^${JOIN_TOKEN_KEY}$`;
/** Random bytes in a new token (written as hex: 64 characters). */
const TOKEN_BYTES = 32;

/** The token file of a cluster, relative to the project root: beside the CA file. */
export function joinTokenFile(caFile: string, cluster: string): string {
  const dir = dirname(caFile);
  return dir === '.' ? `${cluster}.k3s-token.sops.yaml` : join(dir, `${cluster}.k3s-token.sops.yaml`);
}

/** A new random join token. */
export function newJoinToken(random: (size: number) => Uint8Array = randomBytes): string {
  return Buffer.from(random(TOKEN_BYTES)).toString('hex');
}

/** The token file's text: the token encrypted to the recipients. */
export async function encryptJoinToken(token: string, recipients: readonly string[]): Promise<string> {
  return encryptYaml({ [JOIN_TOKEN_KEY]: token }, { recipients, encryptedRegex: ENCRYPTED_REGEX });
}

/** One reason a token file cannot be trusted, phrased for the user. */
export interface JoinTokenIssue {
  readonly field: string;
  readonly line?: number;
  readonly message: string;
  readonly fix: string;
}

export interface JoinTokenOutline {
  readonly recipients: readonly string[];
}

const REWRITE = (cluster: string) => `write a new one with 'npm run mesh -- token create ${cluster} --rotate' (read what a rotation means first), or restore the file from version control`;

/**
 * What can be proven without a key: a SOPS file whose only value is `token`,
 * encrypted, with a full MAC, encrypted to someone, and nothing readable that
 * holds key material. Every issue is returned; `outline` when there is none.
 */
export function checkJoinTokenFile(text: string, cluster: string): { outline?: JoinTokenOutline; issues: JoinTokenIssue[] } {
  const issues: JoinTokenIssue[] = [];
  let outline: ReturnType<typeof outlineSopsFile>;
  try {
    outline = outlineSopsFile(text);
  } catch (err) {
    return { issues: [{ field: '', message: `is not a readable SOPS file: ${(err as Error).message}`, fix: REWRITE(cluster) }] };
  }
  // The same proof as the CA file's: the token must be ciphertext whatever the file's rules say.
  for (const issue of proveCiphertext(text, { mustEncrypt: (path) => path[0] === JOIN_TOKEN_KEY })) {
    switch (issue.kind) {
      case 'clear-value':
        issues.push({ field: issue.field, line: issue.line, message: `holds ${issue.field} in clear text: the join token is readable by anyone with the repository`, fix: `treat the token as leaked: ${REWRITE(cluster)}` });
        break;
      case 'key-material':
        issues.push({ field: issue.field, line: issue.line, message: `has ${describeKeyMaterial(issue.keyMaterial)} in clear at line ${issue.line}`, fix: 'delete it from the file; if the file was ever committed or shared, treat that key as leaked and replace it' });
        break;
      case 'stray-ciphertext':
        issues.push({ field: issue.field, line: issue.line, message: `holds ${issue.field} encrypted, but the file's encryption rules leave it readable: the file was edited without sops`, fix: REWRITE(cluster) });
        break;
      case 'mac-missing':
      case 'mac-damaged':
      case 'mac-partial':
        issues.push({ field: issue.field, message: issue.kind === 'mac-partial' ? 'sets mac_only_encrypted, so its MAC does not cover every field' : 'has no complete sops MAC, so nobody can tell whether it was changed', fix: REWRITE(cluster) });
        break;
    }
  }
  const keys = Object.keys(outline.data);
  if (typeof outline.data[JOIN_TOKEN_KEY] !== 'string') issues.push({ field: JOIN_TOKEN_KEY, message: `has no '${JOIN_TOKEN_KEY}' value`, fix: REWRITE(cluster) });
  for (const key of keys.filter((k) => k !== JOIN_TOKEN_KEY)) issues.push({ field: key, message: `holds '${key}', but a join token file holds '${JOIN_TOKEN_KEY}' only`, fix: REWRITE(cluster) });
  if (outline.recipients.length === 0) issues.push({ field: 'sops.age', message: 'is not encrypted to any age recipient (sops.age is empty), so nobody can decrypt it', fix: REWRITE(cluster) });
  return issues.length > 0 ? { issues } : { outline: { recipients: outline.recipients }, issues };
}

/** Decrypts the token (verifying the MAC). Throws SopsError, or Error for a file without a usable token. */
export async function decryptJoinToken(text: string, identities: readonly string[]): Promise<string> {
  const plain = await decryptYaml(text, { identities });
  const token = plain[JOIN_TOKEN_KEY];
  // As this tool writes it: one word of printable characters, so the token file k3s reads holds nothing else.
  if (typeof token !== 'string' || !/^[!-~]+$/.test(token)) throw new Error(`holds no usable '${JOIN_TOKEN_KEY}' (printable characters without spaces)`);
  return token;
}
