/**
 * The validators of the inventory's JSON Schemas. The build (scripts/build.js)
 * compiles them beside the bundles with Ajv's standalone code, the same options
 * and schemas: a bundle loads that module and spares every synth the
 * compilation (about a seventh of a synth with nothing to render). Anywhere
 * else (tests, the library) they are compiled here on first use.
 */
import { existsSync } from 'fs';
import { join } from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import AJV_OPTIONS from './ajv-options.json';

/** Where the build writes the compiled validators: beside the bundle that runs. */
export const PRECOMPILED_VALIDATORS = 'schema-validators.js';

/** One validator per schema file name (`mesh.schema.json`, ...). */
export function schemaValidators(schemas: Readonly<Record<string, object>>): Record<string, ValidateFunction> {
  const precompiled = join(__dirname, PRECOMPILED_VALIDATORS);
  // Only a bundle has the file beside it; this source folder never does.
  if (existsSync(precompiled)) return require(precompiled) as Record<string, ValidateFunction>;
  // Compiled for one process: unoptimised code validates the same in half the compile time.
  const ajv = new Ajv({ ...AJV_OPTIONS, code: { optimize: false } });
  return Object.fromEntries(Object.entries(schemas).map(([file, schema]) => [file, ajv.compile(schema)]));
}
