/** Types of fs-faults.js (plain JavaScript, so a child process can preload it). */
export interface FsFault {
  /** An errno code such as ENOSPC, KILL to kill the process before the call, or COUNT to log matching calls to `log`. */
  readonly code: string;
  /** Call names ('renameSync') or classes: 'data', 'modify', 'read'. */
  readonly ops: readonly string[];
  /** The call matches when one of its paths contains this text. */
  readonly under: string;
  /** Let the first n matching calls through. */
  readonly after?: number;
  /** For COUNT: the file that gets one line per matching call. */
  readonly log?: string;
}
export function installFsFaults(faults: readonly FsFault[]): () => void;
export function faultEnv(faults: readonly FsFault[]): { NODE_OPTIONS: string; MESH_TEST_FS_FAULTS: string };
