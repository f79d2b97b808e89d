/**
 * Whether a certificate's keyUsage extension (RFC 5280 4.2.1.3) allows
 * signing certificates, read from its DER. Node's X509Certificate exposes
 * every other fact the product checks but not this one; reading it with
 * @peculiar/x509 meant loading that library (and its ASN.1 and dependency
 * injection modules) at every synth, a tenth of one with nothing to render.
 * test/secrets/mesh-ca/key-usage.test.ts holds the answer equal to that
 * library's on certificates with and without the extension.
 */

/** DER of the keyUsage OID, 2.5.29.15. */
const KEY_USAGE_OID = Buffer.from([0x55, 0x1d, 0x0f]);
/** keyCertSign is bit 5 of the first byte of the bit string (bit 0 the most significant). */
const KEY_CERT_SIGN = 0x80 >> 5;

interface Tlv {
  readonly tag: number;
  /** Offset of the value. */
  readonly start: number;
  /** Offset after the value. */
  readonly end: number;
}

/** The DER element at `offset`; throws on a length that runs past `limit`. */
function readTlv(der: Buffer, offset: number, limit: number): Tlv {
  if (offset + 2 > limit) throw new Error('truncated DER');
  const tag = der[offset];
  let length = der[offset + 1];
  let start = offset + 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes === 0 || bytes > 4 || start + bytes > limit) throw new Error('unsupported DER length');
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + der[start + i];
    start += bytes;
  }
  const end = start + length;
  if (end > limit) throw new Error('truncated DER');
  return { tag, start, end };
}

function children(der: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end; ) {
    const child = readTlv(der, at, parent.end);
    out.push(child);
    at = child.end;
  }
  return out;
}

/**
 * True when the certificate has no keyUsage extension (no restriction) or one
 * with keyCertSign; false when keyUsage leaves it out. Throws on DER it cannot walk.
 */
export function keyUsageAllowsCertSign(der: Buffer): boolean {
  const certificate = readTlv(der, 0, der.length);
  const tbs = children(der, certificate)[0];
  // Extensions are the [3] element of tbsCertificate (RFC 5280 4.1).
  const extensions = children(der, tbs).find((field) => field.tag === 0xa3);
  if (!extensions) return true;
  for (const extension of children(der, children(der, extensions)[0])) {
    const [oid, ...rest] = children(der, extension);
    if (oid.tag !== 0x06 || !der.subarray(oid.start, oid.end).equals(KEY_USAGE_OID)) continue;
    const value = rest[rest.length - 1];
    const bits = readTlv(der, value.start, value.end);
    if (bits.tag !== 0x03 || bits.end - bits.start < 2) return false;
    return (der[bits.start + 1] & KEY_CERT_SIGN) !== 0;
  }
  return true;
}
