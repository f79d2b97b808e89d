/** Types of fs-faults.js (plain JavaScript, so a child process can preload it). */
export interface FsFault {
  /** An errno code such as ENOSPC, or KILL to kill the process before the call. */
  readonly code: string;
  /** Call names ('renameSync') or classes: 'data', 'modify', 'read'. */
  readonly ops: readonly string[];
  /** The call matches when one of its paths contains this text. */
  readonly under: string;
  /** Let the first n matching calls through. */
  readonly after?: number;
}
export function installFsFaults(faults: readonly FsFault[]): () => void;
export function faultEnv(faults: readonly FsFault[]): { NODE_OPTIONS: string; MESH_TEST_FS_FAULTS: string };
