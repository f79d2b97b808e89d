/**
 * The documents of a YAML file as plain data, for reading whole dist/ trees and chart output. js-yaml
 * with the YAML 1.2 core schema reads them as `yaml` does by default, in a tenth of the time `yaml`
 * takes to build its document model: at 255 clusters that was most of `mesh impact`. A file it does
 * not take, for any reason, is read by `yaml` after all: one with aliases (refused here, as a value
 * reached twice through them could expand without end; `yaml` limits how far they expand), or one
 * that is not valid YAML, whose errors `yaml` words.
 */
import { CORE_SCHEMA, loadAll } from 'js-yaml';
import { parseAllDocuments } from 'yaml';

const FAST = { schema: CORE_SCHEMA, maxAliases: 0 };

/** Every document of `text` (`---` separated), as data; a document left empty is null. `source` names it in errors. */
export function yamlDocuments(text: string, source: string): unknown[] {
  try {
    return loadAll(text, FAST);
  } catch {
    // read below
  }
  try {
    return parseAllDocuments(text).map((doc) => {
      if (doc.errors.length > 0) throw new Error(doc.errors[0].message);
      return doc.toJS();
    });
  } catch (err) {
    throw new Error(`${source}: not valid YAML: ${(err as Error).message}`);
  }
}
