import { createHash, Hash, timingSafeEqual } from 'crypto';
import { decryptValue, encryptValue, RandomBytes } from './aes-gcm-value';
import { SopsError } from './errors';
import { scalarToBytes } from './scalar-encoding';
import { Scalar } from './tree';

/**
 * SHA-256("sops"): sops seeds the hash with it when mac_only_encrypted is set, so such a MAC
 * can never equal the MAC of the same file without the option (sops.go MACOnlyEncryptedInitialization).
 */
const MAC_ONLY_ENCRYPTED_SEED = Buffer.from('8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69', 'hex');

/**
 * Accumulates the sops MAC: SHA-512 over the plaintext bytes of every non-null value in
 * document order (all values, or only encrypted ones with mac_only_encrypted). Comments never count.
 */
export class MacAccumulator {
  private readonly hash: Hash = createHash('sha512');

  constructor(private readonly macOnlyEncrypted: boolean) {
    if (macOnlyEncrypted) this.hash.update(MAC_ONLY_ENCRYPTED_SEED);
  }

  add(plaintext: Scalar, encrypted: boolean): void {
    if (plaintext === null) return; // sops does not walk into nil values
    if (this.macOnlyEncrypted && !encrypted) return;
    this.hash.update(scalarToBytes(plaintext));
  }

  /** Uppercase hex, as sops formats it with %X. */
  digest(): string {
    return this.hash.digest('hex').toUpperCase();
  }
}

/**
 * The MAC is stored encrypted with the data key, authenticated by the lastmodified timestamp
 * as sops re-formats it (Go time.RFC3339: no fractional seconds, "Z" for UTC).
 */
export function macAdditionalData(lastModified: string): string {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.exec(lastModified);
  if (!match) {
    throw new SopsError('MALFORMED_FILE', `sops.lastmodified "${lastModified}" is not an RFC 3339 timestamp; the metadata block is damaged.`);
  }
  const zone = match[3] === '+00:00' || match[3] === '-00:00' ? 'Z' : match[3];
  return match[1] + zone;
}

export function encryptMac(mac: string, dataKey: Uint8Array, lastModified: string, random: RandomBytes): string {
  return encryptValue(mac, dataKey, macAdditionalData(lastModified), random);
}

export function decryptMac(encryptedMac: string, dataKey: Uint8Array, lastModified: string): string {
  if (encryptedMac === '') {
    throw new SopsError('MAC_MISSING', 'The file has no MAC (sops.mac is empty or absent), so its integrity cannot be checked. Re-encrypt it with sops.');
  }
  const mac = decryptValue(encryptedMac, dataKey, macAdditionalData(lastModified), 'sops.mac');
  if (typeof mac !== 'string') throw new SopsError('MALFORMED_FILE', 'sops.mac does not hold a text MAC; the metadata block is damaged.');
  return mac;
}

/** Compares hex MACs in constant time, as sops does. */
export function macsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}
