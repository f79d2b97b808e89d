/**
 * The mesh CA certificate: created once by `ca init` (or `ca rotate`), then only
 * inspected. The key is RSA 2048 written as PKCS#1 ("RSA PRIVATE KEY"), the
 * format every sprig version parses in `buildCustomCert`, and the type of key
 * Cilium's own `genCA` makes; the certificate is self-signed with SHA-256,
 * basicConstraints CA:true (critical) and keyUsage keyCertSign, cRLSign and
 * digitalSignature (critical), so Cilium's chart can sign its server and client
 * certificates with it.
 */
import type * as X509 from '@peculiar/x509';
import { createPrivateKey, generateKeyPairSync, randomBytes, webcrypto, X509Certificate } from 'crypto';
import { CaCertificateFacts } from '../../model/ca-certificate';
import { keyUsageAllowsCertSign } from './key-usage';

export type { CaCertificateFacts };

let loaded: typeof X509 | undefined;

/**
 * @peculiar/x509, loaded on first use (creating a CA): loading it with its
 * ASN.1 and dependency injection modules cost a tenth of a synth with nothing
 * to render, which only inspects a certificate (key-usage.ts).
 */
function x509(): typeof X509 {
  if (!loaded) {
    require('reflect-metadata');
    loaded = require('@peculiar/x509') as typeof X509;
    loaded.cryptoProvider.set(webcrypto as unknown as Parameters<typeof X509.cryptoProvider.set>[0]);
  }
  return loaded;
}

type KeyPair = Parameters<typeof X509.X509CertificateGenerator.createSelfSigned>[0]['keys'];

export interface MeshCaMaterial {
  /** PEM of the self-signed certificate. */
  readonly certPem: string;
  /** PEM of the private key, PKCS#1. Never written anywhere in clear text by this product. */
  readonly keyPem: string;
}

export interface CreateMeshCaOptions {
  /** Mesh name, put into the subject: "Cilium Mesh CA <mesh>". */
  readonly meshName: string;
  /** Validity in days from `now`. */
  readonly days: number;
  /** Start of validity; default now. The certificate is valid from five minutes earlier, for clock skew. */
  readonly now?: Date;
}

export const DEFAULT_CA_DAYS = 5 * 365;
export const MAX_CA_DAYS = 20 * 365;
/** A CA that expires within this many days gets a warning at every synth. */
export const CA_EXPIRY_WARNING_DAYS = 90;

const SIGNING = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

export function caSubject(meshName: string): string {
  return `CN=Cilium Mesh CA ${meshName}, O=k3s-cilium-mesh`;
}

/** A random positive serial number of 16 bytes, hex. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  bytes[0] |= 0x01;
  return bytes.toString('hex');
}

/** Creates a new CA key and self-signed certificate. */
export async function createMeshCa(options: CreateMeshCaOptions): Promise<MeshCaMaterial> {
  if (!Number.isInteger(options.days) || options.days < 1 || options.days > MAX_CA_DAYS) {
    throw new RangeError(`the validity must be a whole number of days between 1 and ${MAX_CA_DAYS}, not ${options.days}`);
  }
  const now = options.now ?? new Date();
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  const subtle = webcrypto.subtle;
  const keys = {
    privateKey: await subtle.importKey('pkcs8', privateKey.export({ type: 'pkcs8', format: 'der' }), SIGNING, false, ['sign']),
    publicKey: await subtle.importKey('spki', publicKey.export({ type: 'spki', format: 'der' }), SIGNING, true, ['verify']),
  } as unknown as KeyPair;
  const lib = x509();
  const cert = await lib.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: caSubject(options.meshName),
    notBefore: new Date(now.getTime() - 5 * 60 * 1000),
    notAfter: new Date(now.getTime() + options.days * DAY_MS),
    signingAlgorithm: SIGNING,
    keys,
    extensions: [
      new lib.BasicConstraintsExtension(true, undefined, true),
      new lib.KeyUsagesExtension(lib.KeyUsageFlags.keyCertSign | lib.KeyUsageFlags.cRLSign | lib.KeyUsageFlags.digitalSignature, true),
      await lib.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: normalisePem(cert.toString('pem')), keyPem: normalisePem(privateKey.export({ type: 'pkcs1', format: 'pem' }) as string) };
}

function normalisePem(pem: string): string {
  return pem.replace(/\r\n/g, '\n').trim() + '\n';
}

/** Thrown when a text is not one readable PEM certificate. */
export class CertificateFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CertificateFormatError';
  }
}

const CERT_PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Reads the facts of one PEM certificate; throws CertificateFormatError when it is not one. */
export function inspectCertificate(pem: string): CaCertificateFacts {
  const blocks = pem.match(CERT_PEM) ?? [];
  if (blocks.length !== 1) {
    throw new CertificateFormatError(blocks.length === 0 ? 'holds no PEM certificate' : `holds ${blocks.length} certificates, expected exactly one`);
  }
  let cert: X509Certificate;
  let canSignCertificates: boolean;
  try {
    cert = new X509Certificate(blocks[0]);
    canSignCertificates = keyUsageAllowsCertSign(cert.raw);
  } catch (err) {
    throw new CertificateFormatError(`holds a PEM block that is not a readable X.509 certificate (${(err as Error).message})`);
  }
  return {
    subject: cert.subject,
    fingerprintSha256: cert.fingerprint256,
    serialNumber: cert.serialNumber,
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    isCa: cert.ca,
    canSignCertificates,
    selfSigned: cert.issuer === cert.subject && cert.verify(cert.publicKey),
  };
}

/** Whether the PEM private key belongs to the PEM certificate. */
export function keyMatchesCertificate(certPem: string, keyPem: string): boolean {
  try {
    return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

export interface CaCheck {
  readonly severity: 'error' | 'warning';
  readonly message: string;
  readonly fix: string;
}

/** What is wrong with a CA certificate for use as the mesh CA, at time `now`. */
export function checkCaCertificate(facts: CaCertificateFacts, now: Date = new Date()): CaCheck[] {
  const checks: CaCheck[] = [];
  if (!facts.isCa) {
    checks.push({
      severity: 'error',
      message: 'is not a CA certificate (basicConstraints CA:true is missing), so Cilium cannot sign its certificates with it',
      fix: "replace it with a CA: 'npm run mesh -- ca rotate --one-step --yes'",
    });
  } else if (!facts.canSignCertificates) {
    checks.push({ severity: 'error', message: 'is a CA whose keyUsage does not allow keyCertSign', fix: "replace it with a CA: 'npm run mesh -- ca rotate --one-step --yes'" });
  }
  const daysLeft = Math.floor((facts.notAfter.getTime() - now.getTime()) / DAY_MS);
  if (facts.notAfter.getTime() <= now.getTime()) {
    checks.push({
      severity: 'error',
      message: `expired on ${isoDay(facts.notAfter)}: every certificate Cilium signs with it is rejected`,
      fix: "create a new CA with 'npm run mesh -- ca rotate --one-step --yes': an expired CA is trusted nowhere any more, so there is nothing to rotate in phases (see README, Day 2)",
    });
  } else if (daysLeft < CA_EXPIRY_WARNING_DAYS) {
    checks.push({
      severity: 'warning',
      message: `expires on ${isoDay(facts.notAfter)}, in ${daysLeft} day${daysLeft === 1 ? '' : 's'}`,
      fix: "plan a rotation now, in phases so that the mesh never splits: 'npm run mesh -- ca rotate' (see README, Day 2)",
    });
  }
  if (facts.notBefore.getTime() > now.getTime()) {
    checks.push({ severity: 'error', message: `is not valid before ${facts.notBefore.toISOString()}`, fix: "check the clock of this machine, or recreate the CA with 'npm run mesh -- ca rotate --one-step --yes'" });
  }
  return checks;
}

export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}
