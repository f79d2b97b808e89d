/**
 * YAML to plain data, for tests that assert on what a file holds: js-yaml with the YAML 1.2 core
 * schema, which reads these files as `yaml` does by default, in about a tenth of the time `yaml`
 * takes to build its document model (the suites read megabytes of rendered and chart output).
 * Tests of the product's own YAML handling (positions, comments, the writer) use `yaml` itself.
 */
import { CORE_SCHEMA, loadAll } from 'js-yaml';

const OPTIONS = { schema: CORE_SCHEMA };

/** The one document of `text`, as data (untyped, as `yaml`'s parse gives it); null when it holds none. */
export function yamlData(text: string): any {
  const documents = loadAll(text, OPTIONS);
  if (documents.length > 1) throw new Error(`expected one YAML document, found ${documents.length}`);
  return documents[0] ?? null;
}

/** Every document of `text` (`---` separated), as data; a document left empty is null. */
export function yamlDocuments(text: string, path = '<yaml>'): unknown[] {
  try {
    return loadAll(text, OPTIONS);
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}
