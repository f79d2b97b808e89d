/**
 * The header every generated file carries, in the file's own comment syntax:
 * that it is generated and must not be edited, and the code that renders it,
 * so any file of dist/ leads to its source in one step. Ciphertext copied
 * verbatim carries none (its bytes are the committed file's).
 */
import { Origin } from './files';

function provenanceLines(origin: Origin): string[] {
  return [`Generated from the inventory by k3s-cilium-mesh ('npm run synth'); do not edit.`, `Rendered by ${origin.renderedBy} in ${origin.source}.`];
}

/** `content` with the provenance header of `origin` at its top (after a shebang line). */
export function withProvenance(origin: Origin, fileName: string, content: string): string {
  const lines = provenanceLines(origin);
  if (fileName.endsWith('.md')) return `<!-- ${lines.join(' ')} -->\n\n${content}`;
  const comment = lines.map((line) => `# ${line}\n`).join('');
  // Only a script has a shebang line to keep first; asking a large manifest (a string built piece by
  // piece) how it starts would copy it into one piece, a copy its encoding for the file makes anyway.
  if (fileName.endsWith('.sh') && content.startsWith('#!')) {
    const end = content.indexOf('\n') + 1;
    return content.slice(0, end) + comment + content.slice(end);
  }
  return comment + content;
}
