/**
 * YAML to plain data, for tests that assert on what a file holds: the reader `mesh impact` reads
 * dist/ trees and chart output with (lib/impact/yaml-documents.ts; js-yaml, with `yaml` for files
 * with aliases), a tenth of the time `yaml`'s document model takes on the megabytes of rendered and
 * chart output the suites read. Tests of the product's own YAML handling (positions, comments, the
 * writer) use `yaml` itself.
 */
import { yamlDocuments } from '../../lib/impact/yaml-documents';

export { yamlDocuments };

/** The one document of `text`, as data (untyped, as `yaml`'s parse gives it); null when it holds none. */
export function yamlData(text: string): any {
  const documents = yamlDocuments(text, '<yaml>');
  if (documents.length > 1) throw new Error(`expected one YAML document, found ${documents.length}`);
  return documents[0] ?? null;
}
