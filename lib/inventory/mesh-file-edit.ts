/**
 * Edits of the Mesh file that commands make (the CA rotation phase), keeping
 * its comments, order and layout: the file is the user's, only the one field changes.
 */
import { readdirSync } from 'fs';
import { join } from 'path';
import { isMap, parseDocument } from 'yaml';
import { readProjectFile } from '../fs/read-file';
import { RotationPhase } from '../model/mesh';

export interface EditedFile {
  /** Absolute path. */
  readonly path: string;
  readonly content: string;
}

/** The inventory's Mesh file: its path and text. The inventory was loaded without errors, so there is exactly one. */
export function findMeshFile(inventoryDir: string): { path: string; text: string } {
  for (const name of readdirSync(inventoryDir).filter((n) => /\.ya?ml$/.test(n)).sort()) {
    const path = join(inventoryDir, name);
    const text = readProjectFile(path).toString('utf8');
    const doc = parseDocument(text);
    if (isMap(doc.contents) && doc.get('kind') === 'Mesh') return { path, text };
  }
  throw new Error(`no Mesh file in ${inventoryDir}`);
}

/** The Mesh file with `secrets.rotation.phase` set to `phase`. */
export function withRotationPhase(inventoryDir: string, phase: RotationPhase): EditedFile {
  const { path, text } = findMeshFile(inventoryDir);
  const doc = parseDocument(text);
  if (!doc.has('secrets')) doc.set('secrets', doc.createNode({}));
  if (doc.hasIn(['secrets', 'rotation'])) doc.setIn(['secrets', 'rotation', 'phase'], phase);
  else {
    const rotation = doc.createNode({ phase });
    rotation.commentBefore = " Where a CA rotation stands: written by 'npm run mesh -- ca rotate --yes', one commit per phase.";
    doc.setIn(['secrets', 'rotation'], rotation);
  }
  return { path, content: doc.toString() };
}
