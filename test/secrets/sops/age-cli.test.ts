import { execFileSync } from 'child_process';
import { createDecipheriv, createHash } from 'crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import * as yaml from 'yaml';
import { tmpdir } from 'os';
import * as path from 'path';
import { encryptYaml } from '../../../lib/secrets/sops';
import { describeNeeding, toolRequirement } from '../../support/skips';
import { newAgeKey } from './age-test-keys';

/**
 * Independent check of the writer: the Debian `age` CLI (Go, filippo.io/age, the library sops
 * itself uses) unwraps the data key, and Node crypto opens a value and the MAC directly,
 * without any code from lib/secrets/sops.
 */
function ageCliPath(): string | undefined {
  try {
    return execFileSync('which', ['age'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const agePath = ageCliPath();

describeNeeding('files written by encryptYaml, opened without our reader', toolRequirement(!!agePath, 'the age command line tool', 'apt-get install age'), () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sops-age-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function openValue(encValue: string, dataKey: Buffer, aad: string): string {
    const m = /^ENC\[AES256_GCM,data:(.*),iv:(.*),tag:(.*),type:str\]$/.exec(encValue);
    if (!m) throw new Error(`not an encrypted str value: ${encValue}`);
    const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(m[2], 'base64'));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(Buffer.from(m[3], 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(m[1], 'base64')), decipher.final()]).toString('utf8');
  }

  test('age -d recovers the data key, which opens a value and the MAC', async () => {
    const key = await newAgeKey();
    const keyFile = path.join(dir, 'key.txt');
    writeFileSync(keyFile, `# public key: ${key.recipient}\n${key.identity}\n`, { mode: 0o600 });
    const plain = { kind: 'Secret', metadata: { name: 'cli' }, stringData: { user: 'mesh', password: 'p@ss word' } };
    const text = await encryptYaml(plain, { recipients: [key.recipient], now: new Date('2025-02-03T04:05:06Z') });
    const doc = yaml.parse(text) as any;

    const dataKey = execFileSync(agePath!, ['--decrypt', '-i', keyFile], { input: doc.sops.age[0].enc });
    expect(dataKey).toHaveLength(32);

    // AAD is the key path joined with ":" plus a trailing ":".
    expect(openValue(doc.stringData.password, dataKey, 'stringData:password:')).toBe('p@ss word');

    // MAC: SHA-512 over every value in document order, uppercase hex, AAD = lastmodified.
    const expectedMac = createHash('sha512').update('Secret').update('cli').update('mesh').update('p@ss word').digest('hex').toUpperCase();
    expect(openValue(doc.sops.mac, dataKey, '2025-02-03T04:05:06Z')).toBe(expectedMac);
  });
});
