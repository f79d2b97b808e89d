/**
 * No message prints key material, even when the user pasted it where it does
 * not belong: problems (synth, validate) and CLI errors go through one redaction.
 */
import { generateKeyPairSync } from 'crypto';
import { formatProblem } from '../../lib/report/problems';
import { redactSecrets } from '../../lib/report/redact';
import { DEMO_IDENTITY, mesh } from '../secrets/mesh-ca/support';
import { editFile, exampleInventory, loadFiles } from '../support/inventory-fixture';

const keyBody = (identity: string) => identity.slice('AGE-SECRET-KEY-1'.length, 'AGE-SECRET-KEY-1'.length + 12);

describe('key material in messages', () => {
  it('an age identity pasted among the recipients is refused, and not printed back', () => {
    const files = editFile(exampleInventory(), 'mesh.yaml', (m) => m.secrets.ageRecipients.push(DEMO_IDENTITY));
    const result = loadFiles(files);
    const printed = result.problems.map(formatProblem).join('\n');
    expect(result.problems.some((p) => p.severity === 'error' && p.field.startsWith('secrets.ageRecipients'))).toBe(true);
    expect(printed).not.toContain(keyBody(DEMO_IDENTITY));
    expect(printed).toContain('<age identity, redacted>');
  });

  it('a key given as a command argument is not echoed', async () => {
    const run = await mesh(process.cwd(), ['ca', DEMO_IDENTITY]);
    expect(run.code).not.toBe(0);
    expect(run.stdout + run.stderr).not.toContain(keyBody(DEMO_IDENTITY));
  });

  it('redacts PEM private keys, whole or cut off, and post-quantum identities; keeps the rest', () => {
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString().trim();
    const body = pem.split('\n')[1];
    expect(redactSecrets(`before ${pem} after`)).toBe('before <private key, redacted> after');
    expect(redactSecrets(`cut: ${pem.slice(0, 80)}`)).toBe('cut: <private key, redacted>');
    expect(redactSecrets(`rsa -----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----`)).toBe('rsa <private key, redacted>');
    expect(redactSecrets(`pq AGE-SECRET-KEY-PQ-1${'Q'.repeat(60)}.`)).toBe('pq <age identity, redacted>.');
    // Documentation of the format and public material stay readable.
    expect(redactSecrets('expected AGE-SECRET-KEY-1…; age1wu5ttwy9n73df5n94c6rlck92zpevvh3rvzpc8pj4dzz0ag2f9wqt7ey58')).toBe('expected AGE-SECRET-KEY-1…; age1wu5ttwy9n73df5n94c6rlck92zpevvh3rvzpc8pj4dzz0ag2f9wqt7ey58');
    expect(redactSecrets('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----')).toContain('MIIB');
  });
});
