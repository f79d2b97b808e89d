/**
 * Every `npm run mesh` command, in the order the usage text lists them.
 */
import { MeshCommand } from '../command';
import { addClusterCommand } from './add-cluster';
import { caInitCommand } from './ca-init';
import { caRotateCommand } from './ca-rotate';
import { caSecretCommand } from './ca-secret';
import { caShowCommand } from './ca-show';
import { checkCommand } from './check';
import { impactCommand } from './impact';
import { removeClusterCommand } from './remove-cluster';
import { repoCredentialsCommand } from './repo-credentials';
import { repoSecretCommand } from './repo-secret';
import { secretsRekeyCommand } from './secrets-rekey';
import { tokenCreateCommand } from './token-create';
import { tokenShowCommand } from './token-show';
import { validateCommand } from './validate';

export const COMMANDS: readonly MeshCommand[] = [validateCommand, checkCommand, impactCommand, addClusterCommand, removeClusterCommand, caInitCommand, caRotateCommand, caShowCommand, caSecretCommand, repoCredentialsCommand, repoSecretCommand, secretsRekeyCommand, tokenCreateCommand, tokenShowCommand];
