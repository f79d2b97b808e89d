/**
 * The keyUsage reader gives @peculiar/x509's answer on certificates with no
 * keyUsage, with keyCertSign among others, and without it; critical or not;
 * and refuses DER it cannot walk instead of guessing.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto, X509Certificate } from 'crypto';
import { keyUsageAllowsCertSign } from '../../../lib/secrets/mesh-ca/key-usage';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const F = x509.KeyUsageFlags;

async function selfSigned(extensions: x509.Extension[]): Promise<Buffer> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=key usage test',
    notBefore: new Date('2026-01-01'),
    notAfter: new Date('2027-01-01'),
    signingAlgorithm: ALGORITHM,
    keys: keys as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'],
    extensions,
  });
  return new X509Certificate(cert.toString('pem')).raw;
}

/** @peculiar/x509's answer: no extension allows everything; else keyCertSign decides. */
function peculiarAnswer(der: Buffer): boolean {
  const usage = new x509.X509Certificate(der).getExtension(x509.KeyUsagesExtension);
  return usage === null ? true : (usage.usages & F.keyCertSign) !== 0;
}

describe('keyUsageAllowsCertSign', () => {
  it.each([
    ['no extensions at all', () => []],
    ['basicConstraints only', () => [new x509.BasicConstraintsExtension(true, undefined, true)]],
    ['keyCertSign, cRLSign, digitalSignature (critical), as ca init makes', () => [new x509.KeyUsagesExtension(F.keyCertSign | F.cRLSign | F.digitalSignature, true)]],
    ['keyCertSign alone, not critical', () => [new x509.KeyUsagesExtension(F.keyCertSign, false)]],
    ['digitalSignature and keyEncipherment (a leaf)', () => [new x509.KeyUsagesExtension(F.digitalSignature | F.keyEncipherment, true)]],
    ['cRLSign and decipherOnly (a second byte)', () => [new x509.KeyUsagesExtension(F.cRLSign | F.decipherOnly, true)]],
    ['every usage', () => [new x509.KeyUsagesExtension(0x1ff as x509.KeyUsageFlags, true)]],
    ['keyUsage after other extensions', () => [new x509.BasicConstraintsExtension(true, 2, true), new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.1']), new x509.KeyUsagesExtension(F.digitalSignature, true)]],
  ])('agrees with @peculiar/x509 on %s', async (_what, extensions) => {
    const der = await selfSigned(extensions());
    expect(keyUsageAllowsCertSign(der)).toBe(peculiarAnswer(der));
  });

  it('says no where keyCertSign is left out, and yes where it is set', async () => {
    expect(keyUsageAllowsCertSign(await selfSigned([new x509.KeyUsagesExtension(F.digitalSignature, true)]))).toBe(false);
    expect(keyUsageAllowsCertSign(await selfSigned([new x509.KeyUsagesExtension(F.keyCertSign, true)]))).toBe(true);
  });

  it('refuses truncated DER', async () => {
    const der = await selfSigned([new x509.KeyUsagesExtension(F.keyCertSign, true)]);
    expect(() => keyUsageAllowsCertSign(der.subarray(0, der.length - 40))).toThrow(/truncated DER/);
  });
});
