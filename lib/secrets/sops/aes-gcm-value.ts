import { createCipheriv, createDecipheriv } from 'crypto';
import { describeError, SopsError } from './errors';
import { parseTypedPlaintext, scalarToBytes, ValueType, valueTypeOf } from './scalar-encoding';
import { Scalar } from './tree';

/** sops uses a 32-byte GCM nonce (aes/cipher.go nonceSize), not the usual 12. */
export const IV_BYTES = 32;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export type RandomBytes = (size: number) => Uint8Array;

const VALUE_TYPES: readonly ValueType[] = ['str', 'int', 'float', 'bool', 'bytes'];
const BASE64 = '[A-Za-z0-9+/]*={0,2}';
const ENCRYPTED_VALUE = new RegExp(`^ENC\\[AES256_GCM,data:(${BASE64}),iv:(${BASE64}),tag:(${BASE64}),type:([a-z0-9]+)\\]$`);

export interface EncryptedValueParts {
  data: Buffer;
  iv: Buffer;
  tag: Buffer;
  type: ValueType;
}

/** Splits `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`; `where` names the value in error messages. */
export function parseEncryptedValue(text: string, where: string): EncryptedValueParts {
  const match = ENCRYPTED_VALUE.exec(text);
  const damaged = (detail: string) =>
    new SopsError('MALFORMED_FILE', `The encrypted value at ${where} is damaged (${detail}). Restore the file from version control.`);
  if (!match) throw damaged('it does not match ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]');
  const [, data, iv, tag, type] = match;
  if (!VALUE_TYPES.includes(type as ValueType)) {
    throw new SopsError('UNSUPPORTED', `The encrypted value at ${where} has type "${type}", which this reader does not support.`);
  }
  for (const [name, b64] of [['data', data], ['iv', iv], ['tag', tag]] as const) {
    if (b64.length % 4 !== 0) throw damaged(`its ${name} is not valid base64`);
  }
  const parts = { data: Buffer.from(data, 'base64'), iv: Buffer.from(iv, 'base64'), tag: Buffer.from(tag, 'base64'), type: type as ValueType };
  if (parts.iv.length === 0) throw damaged('its iv is empty');
  if (parts.tag.length !== TAG_BYTES) throw damaged(`its tag is ${parts.tag.length} bytes, expected ${TAG_BYTES}`);
  return parts;
}

function checkKey(key: Uint8Array): void {
  if (key.length !== KEY_BYTES) throw new SopsError('INVALID_INPUT', `The sops data key must be ${KEY_BYTES} bytes, got ${key.length}.`);
}

/** Encrypts one value the way sops' AES cipher does; empty strings stay empty (sops never encrypts them). */
export function encryptValue(value: Exclude<Scalar, null>, key: Uint8Array, additionalData: string, random: RandomBytes): string {
  checkKey(key);
  if (value === '' || (value instanceof Uint8Array && value.length === 0)) return '';
  const iv = Buffer.from(random(IV_BYTES));
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(additionalData, 'utf8'));
  const data = Buffer.concat([cipher.update(scalarToBytes(value)), cipher.final()]);
  const tag = cipher.getAuthTag();
  return `ENC[AES256_GCM,data:${data.toString('base64')},iv:${iv.toString('base64')},tag:${tag.toString('base64')},type:${valueTypeOf(value)}]`;
}

/** Opens one encrypted value; `where` names it in error messages. */
export function decryptValue(text: string, key: Uint8Array, additionalData: string, where: string): Exclude<Scalar, null> {
  checkKey(key);
  if (text === '') return '';
  const { data, iv, tag, type } = parseEncryptedValue(text, where);
  let plaintext: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(additionalData, 'utf8'));
    decipher.setAuthTag(tag);
    plaintext = Buffer.concat([decipher.update(data), decipher.final()]);
  } catch (err) {
    throw new SopsError(
      'VALUE_DECRYPT_FAILED',
      `Could not decrypt the value at ${where}: AES-GCM authentication failed (${describeError(err)}). ` +
        'The value was altered, moved to another key, or encrypted with a different data key; restore it from version control or re-encrypt the file.',
      { cause: err },
    );
  }
  const value = parseTypedPlaintext(type, plaintext);
  if (value === undefined) {
    throw new SopsError('MALFORMED_FILE', `The value at ${where} decrypted, but its content is not a valid "${type}".`);
  }
  return value;
}
