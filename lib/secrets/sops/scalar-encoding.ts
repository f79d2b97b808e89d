import { Scalar } from './tree';

/** The `type:` tag of an encrypted value (sops aes/cipher.go). */
export type ValueType = 'str' | 'int' | 'float' | 'bool' | 'bytes';

/**
 * Go's strconv.FormatFloat(n, 'f', -1, 64): shortest round-trip digits, never an exponent.
 * JS picks the same shortest digits but switches to exponent notation, so expand it.
 */
export function formatGoFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  const sign = n < 0 || Object.is(n, -0) ? '-' : '';
  const [mantissa, exponentText] = Math.abs(n).toString().split('e');
  if (exponentText === undefined) return sign + mantissa;
  const exponent = Number(exponentText);
  const [intPart, fracPart = ''] = mantissa.split('.');
  const digits = intPart + fracPart;
  const pointAt = intPart.length + exponent;
  let text: string;
  if (pointAt <= 0) text = '0.' + '0'.repeat(-pointAt) + digits;
  else if (pointAt >= digits.length) text = digits + '0'.repeat(pointAt - digits.length);
  else text = digits.slice(0, pointAt) + '.' + digits.slice(pointAt);
  return sign + text;
}

/** Which type tag sops would give a plaintext value (Go int for whole numbers, float64 otherwise). */
export function valueTypeOf(value: Exclude<Scalar, null>): ValueType {
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (value instanceof Uint8Array) return 'bytes';
  return Number.isSafeInteger(value) ? 'int' : 'float';
}

/** sops' ToBytes: the bytes a value contributes to the MAC and, for encryption, its plaintext. */
export function scalarToBytes(value: Exclude<Scalar, null>): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (typeof value === 'boolean') return Buffer.from(value ? 'True' : 'False'); // Python sops heritage
  return Buffer.from(formatGoFloat(value)); // also right for ints: same digits as strconv.Itoa
}

/** Parses decrypted plaintext according to its type tag; undefined means the text does not fit the tag. */
export function parseTypedPlaintext(type: ValueType, plaintext: Buffer): Exclude<Scalar, null> | undefined {
  const text = plaintext.toString('utf8');
  switch (type) {
    case 'str':
      return text;
    case 'bytes':
      return new Uint8Array(plaintext);
    case 'int':
      return /^[+-]?\d+$/.test(text) ? Number(text) : undefined;
    case 'float': {
      const n = Number(text);
      return text.trim() !== '' && !Number.isNaN(n) ? n : undefined;
    }
    case 'bool':
      // strconv.ParseBool
      if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
      if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
      return undefined;
  }
}
