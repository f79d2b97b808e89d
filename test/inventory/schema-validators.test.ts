/**
 * The schema validators the build compiles beside the bundles (Ajv standalone
 * code) judge every file exactly as the validators compiled from source, and the
 * bundles really use them.
 */
import { spawnSync } from 'child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse } from 'yaml';
import { ValidateFunction } from 'ajv';
import { schemaValidators } from '../../lib/inventory/schema-validators';
import { editFile, exampleInventory, InventoryFiles, tempProject } from '../support/inventory-fixture';
import { PROJECT_ROOT } from '../support/paths';
import { CHILD_PROCESS_HANG_MS } from '../support/hang-bound';

const BUILD = join(PROJECT_ROOT, '.build');
const SCHEMA_OF: Record<string, string> = { Mesh: 'mesh.schema.json', Cluster: 'cluster.schema.json', GlobalServices: 'global-services.schema.json', Policies: 'policies.schema.json' };

/** The example and broken variants of every kind of file: wrong types, unknown and missing keys, bad enums and patterns. */
function corpus(): InventoryFiles[] {
  const example = exampleInventory();
  return [
    example,
    editFile(example, 'k3scl1.yaml', (c) => ((c.id = 'one'), (c.podCIDR = c.podCidr), delete c.podCidr)),
    editFile(example, 'k3scl2.yaml', (c) => ((c.nodes[0].role = 'master'), (c.meshEndpoint = { nodePort: 80 }))),
    editFile(example, 'mesh.yaml', (m) => ((m.cilium.routing = { mode: 'native' }), (m.cilium.kvstoremesh = 'yes'), (m.extra = 1))),
    editFile(example, 'services.yaml', (s) => ((s.services[0].ports = [{ port: 'http' }]), (s.services[0].affinity = 'nearest'))),
    editFile(example, 'policies.yaml', (p) => ((p.policies[0].from = { cluster: 7 }), (p.policies[0].ports = [{ port: -1 }]))),
  ];
}

describe('the schema validators compiled at build time', () => {
  const compiled: Record<string, ValidateFunction> = require(join(BUILD, 'schema-validators.js'));
  const fromSource = schemaValidators(Object.fromEntries(Object.values(SCHEMA_OF).map((file) => [file, require(join(PROJECT_ROOT, 'schema', file))])));

  it('exist for every schema file', () => {
    expect(Object.keys(compiled).sort()).toEqual(Object.values(SCHEMA_OF).sort());
  });

  it('give the errors the source compiles, for valid and broken files of every kind', () => {
    let failures = 0;
    for (const files of corpus()) {
      for (const text of Object.values(files)) {
        const data = parse(text) as { kind: string };
        const [a, b] = [compiled[SCHEMA_OF[data.kind]], fromSource[SCHEMA_OF[data.kind]]];
        expect(a(data)).toBe(b(data));
        expect(a.errors ?? null).toEqual(b.errors ?? null);
        failures += a.errors?.length ?? 0;
      }
    }
    // The corpus really breaks the schemas.
    expect(failures).toBeGreaterThan(8);
  });

  it('are what a bundle validates with', () => {
    // A copy of the CLI bundle beside validators that refuse everything: validate must say so.
    const build = mkdtempSync(join(tmpdir(), 'mesh-validators-'));
    const project = tempProject(exampleInventory());
    try {
      copyFileSync(join(BUILD, 'mesh-cli.js'), join(build, 'mesh-cli.js'));
      const refuse = 'const v = () => ((v.errors = [{ instancePath: "", schemaPath: "#/x", keyword: "x", params: {}, message: "refused by the build" }]), false);';
      writeFileSync(join(build, 'schema-validators.js'), `${refuse}\nmodule.exports = ${JSON.stringify(Object.fromEntries(Object.values(SCHEMA_OF).map((f) => [f, 0])))};\nfor (const k of Object.keys(module.exports)) module.exports[k] = v;\n`);
      const run = spawnSync(process.execPath, [join(build, 'mesh-cli.js'), 'validate'], { cwd: project.root, encoding: 'utf8', timeout: CHILD_PROCESS_HANG_MS });
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/refused by the build/);
    } finally {
      rmSync(build, { recursive: true, force: true });
      project.cleanup();
    }
  });
});
