/**
 * The committed k3s join token files (secrets/<cluster>.k3s-token.sops.yaml,
 * beside the CA file), read after the inventory like the CA and checked without
 * a key: proven ciphertext, encrypted to the recipients the inventory lists.
 * A missing file is the loader's to report (lib/inventory/read-join-tokens.ts).
 */
import { existsSync } from 'fs';
import { resolve } from 'path';
import { FileSystemError } from '../../fs/file-system-error';
import { readProjectFile } from '../../fs/read-file';
import { Mesh } from '../../model/mesh';
import { Problem } from '../../report/problems';
import { sameRecipients } from '../sops/recipients';
import { checkJoinTokenFile, joinTokenFile } from './join-token';

/** The token file of each cluster that has a usable one (relative to the project root), by cluster name. */
export function readJoinTokenFiles(mesh: Mesh, projectRoot: string, problems: Problem[]): Record<string, string> {
  const found: Record<string, string> = {};
  const { secrets } = mesh;
  if (secrets.provider !== 'sops') return found;
  for (const cluster of mesh.clusters) {
    const tokenFile = joinTokenFile(secrets.caFile, cluster.name);
    const path = resolve(projectRoot, tokenFile);
    if (!existsSync(path)) continue;
    let text: string;
    try {
      text = readProjectFile(path).toString('utf8');
    } catch (err) {
      if (!(err instanceof FileSystemError)) throw err;
      problems.push({ severity: 'error', file: tokenFile, field: '', message: err.problem, fix: `${err.fix}; the file is written by 'npm run mesh -- token create ${cluster.name}'` });
      continue;
    }
    const { outline, issues } = checkJoinTokenFile(text, cluster.name);
    for (const issue of issues) problems.push({ severity: 'error', file: tokenFile, field: issue.field, line: issue.line, message: issue.message, fix: issue.fix });
    if (!outline) continue;
    if (secrets.ageRecipients.length > 0 && !sameRecipients(outline.recipients, secrets.ageRecipients)) {
      problems.push({
        severity: 'warning',
        file: tokenFile,
        field: 'sops.age',
        message: `is encrypted to ${outline.recipients.join(', ')}, but secrets.ageRecipients lists ${secrets.ageRecipients.join(', ')}`,
        fix: "re-encrypt it for the inventory's list with 'npm run mesh -- secrets rekey' (needs SOPS_AGE_KEY_FILE or SOPS_AGE_KEY of a current recipient)",
      });
    }
    found[cluster.name] = tokenFile;
  }
  return found;
}
