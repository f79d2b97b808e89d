/**
 * Key material is found (to refuse a file) and redacted (in messages) by the
 * same patterns: PEM private keys, age identities, and either hidden in base64,
 * once or nested, on one line or wrapped. Ciphertext and certificates are not.
 */
import { generateKeyPairSync } from 'crypto';
import { readFileSync } from 'fs';
import { join } from 'path';
import { containsKeyMaterial, findKeyMaterial, redactSecrets, REDACTED_BASE64_KEY } from '../../lib/report/redact';
import { DEMO_IDENTITY } from '../secrets/mesh-ca/support';
import { EXAMPLE_MESH_DIR } from '../support/paths';

const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const certificate = readFileSync(join(EXAMPLE_MESH_DIR, 'secrets', 'cilium-mesh-ca.crt'), 'utf8');

describe('findKeyMaterial', () => {
  it.each([
    ['a PEM key in a YAML comment', `a: 1\n# ${pem.replace(/\n/g, '\n# ')}`, 'PEM private key', 2],
    ['an age identity in a readable field', `a: 1\nb: 2\nnote: ${DEMO_IDENTITY}\n`, 'age identity', 3],
    ['a base64 PEM key as a Secret value', `data:\n  tls.key: ${b64(pem)}\n`, 'base64-encoded private key', 2],
    ['Helm values holding a base64 key, base64 again as a Secret data value', `data:\n  values.yaml: ${b64(`tls:\n  ca:\n    cert: ${b64(certificate)}\n    key: ${b64(pem)}\n`)}\n`, 'base64-encoded private key', 2],
    ['a base64 key wrapped at 76 columns, as `base64` prints it', `key: |\n  ${b64(pem).replace(/(.{76})/g, '$1\n  ')}\n`, 'base64-encoded private key', 2],
    ['a base64 age identity', `x: ${b64(DEMO_IDENTITY)}\n`, 'base64-encoded private key', 1],
  ])('finds %s, at its line', (_what, text, kind, line) => {
    expect(findKeyMaterial(text)).toEqual([{ kind, line }]);
    expect(redactSecrets(text)).not.toContain(pem.split('\n')[1]);
  });

  it('finds nothing in ciphertext, certificates and public keys: the committed CA files', () => {
    for (const name of ['cilium-mesh-ca.sops.yaml', 'cilium-mesh-ca.crt']) {
      expect(findKeyMaterial(readFileSync(join(EXAMPLE_MESH_DIR, 'secrets', name), 'utf8'))).toEqual([]);
    }
    expect(containsKeyMaterial(`cert: ${b64(certificate)}\nrecipient: age1wu5ttwy9n73df5n94c6rlck92zpevvh3rvzpc8pj4dzz0ag2f9wqt7ey58\n`)).toBe(false);
  });

  it('redacts a base64 key in a message and keeps the rest', () => {
    expect(redactSecrets(`tls.key ${b64(pem)} is not allowed`)).toBe(`tls.key ${REDACTED_BASE64_KEY} is not allowed`);
    expect(redactSecrets(`cert ${b64(certificate)}`)).toBe(`cert ${b64(certificate)}`);
  });
});
