/**
 * The CA file may only ever be copied into dist/ as proven ciphertext: the
 * Secret's whole payload (`data`, `stringData`) encrypted whatever the file's
 * rules say, the rest as the rules imply, no key material readable anywhere
 * (a value, a key, a comment), a MAC that covers the readable fields too.
 */
import { describeKeyMaterial } from '../../report/redact';
import { CiphertextIssue, proveCiphertext } from '../sops';
import { MeshCaError, REWRITE_CA_FIX } from './errors';

/** The Secret's payload: whatever sits under `data` or `stringData`. */
function isSecretPayload(path: readonly string[]): boolean {
  return path[0] === 'data' || path[0] === 'stringData';
}

const LEAKED_FIX =
  "write a new CA with 'npm run mesh -- ca rotate --one-step --yes' (it encrypts the whole Secret data); if this file was ever committed or shared, treat the key as leaked: the rotation replaces it";

/** Every reason the CA file's text is not proven ciphertext, as user errors; empty when it is. Throws SopsError for text that is not a sops file. */
export function caFileExposures(text: string): MeshCaError[] {
  return proveCiphertext(text, { mustEncrypt: isSecretPayload }).map(phrase);
}

function phrase(issue: CiphertextIssue): MeshCaError {
  switch (issue.kind) {
    case 'mac-missing':
      return new MeshCaError('has no sops MAC, so nobody can tell whether it was changed', REWRITE_CA_FIX, issue.field);
    case 'mac-damaged':
      return new MeshCaError('has a damaged sops MAC (is the file truncated?)', REWRITE_CA_FIX, issue.field);
    case 'mac-partial':
      return new MeshCaError(
        'sets mac_only_encrypted, so its MAC does not cover the readable fields (name, namespace, annotations): they could be changed unnoticed',
        "write the CA anew with 'npm run mesh -- ca rotate --one-step --yes' (it never sets mac_only_encrypted)",
        issue.field,
      );
    case 'stray-ciphertext':
      return new MeshCaError(`holds ${issue.field} encrypted, but the file's encryption rules leave it readable: the file was edited without sops`, REWRITE_CA_FIX, issue.field, issue.line);
    case 'clear-value': {
      const why = issue.byRules ? '' : " (the file's encryption rules leave it out, but a Secret's data must be encrypted)";
      const what = issue.keyMaterial ? `, ${describeKeyMaterial(issue.keyMaterial)} readable by anyone with the repository` : ': the Secret data is readable by anyone with the repository';
      return new MeshCaError(`holds ${issue.field} in clear text${what}${why}`, LEAKED_FIX, issue.field, issue.line);
    }
    case 'key-material': {
      const where = issue.inComment ? 'in a comment' : 'in a readable field';
      return new MeshCaError(
        `has ${describeKeyMaterial(issue.keyMaterial)} in clear ${where} at line ${issue.line}`,
        `delete it from the file (synth copies this file into dist/ byte for byte); if the file was ever committed or shared, treat that key as leaked and replace it${issue.inComment ? '' : ` (for the CA key: ${LEAKED_FIX})`}`,
        issue.field,
        issue.line,
      );
    }
  }
}
