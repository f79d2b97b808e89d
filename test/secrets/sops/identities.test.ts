import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { identitiesFromEnv, parseAgeIdentities, SopsError } from '../../../lib/secrets/sops';
import { newAgeKey } from './age-test-keys';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'sops-identities-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('parseAgeIdentities', () => {
  test('reads age-keygen output, ignoring comments and blank lines', async () => {
    const [a, b] = [await newAgeKey(), await newAgeKey()];
    const file = `# created: 2021-03-31T09:51:59+02:00\n# public key: ${a.recipient}\n${a.identity}\n\n  ${b.identity}  \r\n`;
    expect(parseAgeIdentities(file, 'keys.txt')).toEqual([a.identity, b.identity]);
  });

  test('accepts post-quantum identities', () => {
    expect(parseAgeIdentities('AGE-SECRET-KEY-PQ-1ABC\n', 'x')).toEqual(['AGE-SECRET-KEY-PQ-1ABC']);
  });

  test('names the bad line without echoing it', () => {
    const attempt = () => parseAgeIdentities('# ok\nssh-ed25519 AAAA secret-ish\n', 'my.txt');
    expect(attempt).toThrow(SopsError);
    expect(attempt).toThrow(/Line 2 of my\.txt is not an age secret key/);
    expect(attempt).not.toThrow(/AAAA/);
  });
});

describe('identitiesFromEnv', () => {
  test('combines SOPS_AGE_KEY and SOPS_AGE_KEY_FILE like sops', async () => {
    const [inline, fromFile] = [await newAgeKey(), await newAgeKey()];
    const keyFile = path.join(dir, 'keys.txt');
    writeFileSync(keyFile, `# public key: ${fromFile.recipient}\n${fromFile.identity}\n`);
    expect(identitiesFromEnv({ SOPS_AGE_KEY: inline.identity, SOPS_AGE_KEY_FILE: keyFile, HOME: dir })).toEqual([inline.identity, fromFile.identity]);
  });

  test('falls back to $XDG_CONFIG_HOME/sops/age/keys.txt', async () => {
    const key = await newAgeKey();
    mkdirSync(path.join(dir, 'sops', 'age'), { recursive: true });
    writeFileSync(path.join(dir, 'sops', 'age', 'keys.txt'), `${key.identity}\n`);
    expect(identitiesFromEnv({ XDG_CONFIG_HOME: dir })).toEqual([key.identity]);
  });

  test('explains what to set when nothing is found', () => {
    expect(() => identitiesFromEnv({ HOME: dir })).toThrow(/No age identity found.*SOPS_AGE_KEY_FILE/);
  });

  test('reports an unreadable SOPS_AGE_KEY_FILE', () => {
    const missing = path.join(dir, 'nope.txt');
    expect(() => identitiesFromEnv({ SOPS_AGE_KEY_FILE: missing, HOME: dir })).toThrow(new RegExp(`SOPS_AGE_KEY_FILE points to ${missing.replace(/[.]/g, '\\.')}`));
  });
});
