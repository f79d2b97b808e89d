/**
 * The last check before anything is published: no output file may hold key
 * material in clear (a PEM private key, an age identity, either in base64),
 * wherever it came from: the CA file, a Helm value, a raw policy, a bug. The
 * loader refuses the known ways in; this scan makes a clear key in dist/
 * impossible, not merely unlikely.
 */
import { findKeyMaterial, findKeyMaterialInBytes, KeyMaterialKind } from '../report/redact';
import type { RenderedFile } from '../mesh-manifests';

export interface ClearKeyFinding {
  /** Path inside the output folder. */
  readonly path: string;
  readonly line: number;
  readonly kind: KeyMaterialKind;
}

export function findClearKeys(files: readonly RenderedFile[]): ClearKeyFinding[] {
  return files.flatMap((file) => findKeyMaterial(file.content).map(({ line, kind }) => ({ path: file.path, line, kind })));
}

/** findClearKeys for files already encoded as the bytes they will be written as: the same findings. */
export function findClearKeysInBytes(files: readonly { readonly path: string; readonly content: Buffer }[]): ClearKeyFinding[] {
  return files.flatMap((file) => findKeyMaterialInBytes(file.content).map(({ line, kind }) => ({ path: file.path, line, kind })));
}

/** Thrown by publish before it touches anything when the rendered files hold key material in clear. */
export class ClearKeyMaterialError extends Error {
  constructor(readonly findings: readonly ClearKeyFinding[]) {
    super(`${findings.length} rendered file${findings.length === 1 ? '' : 's'} would hold key material in clear: ${findings.map((f) => `${f.path}:${f.line} (${f.kind})`).join(', ')}`);
    this.name = 'ClearKeyMaterialError';
  }
}

/** What to do about a finding: the key reached the output through the inventory or the CA file. */
export const CLEAR_KEY_FIX =
  'remove the key from where the inventory carries it (a helmValues entry, a raw policy, the CA file secrets.caFile, a comment) and run synth again; ' +
  "a key that was ever committed in clear must be treated as leaked and replaced (for the mesh CA: 'npm run mesh -- ca rotate --one-step --yes')";
