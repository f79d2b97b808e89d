/**
 * Reading the project's own files (the inventory, the mesh CA files): a failure
 * is a FileSystemError naming the path, never a bare fs error.
 */
import { readFileSync } from 'fs';
import { fsCall } from './file-system-error';

export function readProjectFile(path: string): Buffer {
  return fsCall('read', path, () => readFileSync(path));
}
