/**
 * Every `npm run mesh` command, in the order the usage text lists them.
 */
import { MeshCommand } from '../command';
import { checkCommand } from './check';
import { validateCommand } from './validate';

export const COMMANDS: readonly MeshCommand[] = [validateCommand, checkCommand];
