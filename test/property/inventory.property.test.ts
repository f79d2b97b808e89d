/**
 * Property-based tests (fast-check) of the whole pipeline:
 * - random valid inventories (cluster count, ids, ranges and addresses that
 *   follow them, node counts, Cilium versions, KVStoreMesh, global services,
 *   policies) always synthesise; every object passes its upstream schema and
 *   the mesh invariants hold (peers exact, NodePorts, host aliases; the checks
 *   of test/support/mesh-invariants.ts, shared with the conformance tests);
 * - random corruptions of a valid inventory (wrong types, id and name
 *   collisions, overlapping ranges, missing fields, unknown keys, huge values,
 *   invalid UTF-8, random edits of the text) never throw: they give problems
 *   that name the file and, when the corruption is about a field, that field;
 *   no stack trace reaches the user, and a dist/ already there is unchanged.
 * Seeds are printed by fast-check on failure (replay with FC_SEED=<seed>).
 */
import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import fc from 'fast-check';
import { stringify, parse } from 'yaml';
import { syntheticInventory } from '../../bench/synthetic-inventory';
import { loadInventory } from '../../lib/inventory/load';
import { formatProblem, Problem } from '../../lib/report/problems';
import { publish } from '../../lib/synth/publish';
import { synthMesh } from '../../lib/synth/synth-mesh';
import { isApiObjectFile, objectsIn, publishedOutput, Rendered, VERSIONS } from '../conformance/rendered';
import { expectHostAliasesToPeerEndpoints, expectPeersDialledAtTheirEndpoint, expectPeersExact } from '../support/mesh-invariants';
import { describeWithShared, PROJECT_ROOT } from '../support/paths';
import { CORE_SCHEMA_DIR, CRD_SCHEMA_DIR, validateKubeObject } from '../support/schema-validator';
import { treeDigest } from '../support/tree';
import { CHILD_PROCESS_HANG_MS } from '../support/hang-bound';

const SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
const params = (numRuns: number) => ({ numRuns, ...(SEED === undefined ? {} : { seed: SEED }) });

// ---------------------------------------------------------------- valid inventories

const validOptions = fc
  .record({
    clusters: fc.integer({ min: 2, max: 6 }),
    ciliumVersion: fc.constantFrom(...VERSIONS),
    kvstoremesh: fc.boolean(),
    nodesPerCluster: fc.integer({ min: 1, max: 3 }),
    globalServices: fc.integer({ min: 0, max: 4 }),
    policies: fc.integer({ min: 0, max: 4 }),
  })
  .chain((o) => fc.uniqueArray(fc.integer({ min: 1, max: 511 }), { minLength: o.clusters, maxLength: o.clusters }).map((ids) => ({ ...o, ids })));

describeWithShared('random valid inventories', [CORE_SCHEMA_DIR, CRD_SCHEMA_DIR], () => {
  it('synthesise, pass the upstream schemas and keep the mesh invariants', () => {
    fc.assert(
      fc.property(validOptions, (options) => {
        const files = syntheticInventory(options);
        const project = tempProject(files);
        let r: Rendered;
        try {
          const result = synthMesh({ root: project });
          expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
          expect(result.ok).toBe(true);
          // What the synth wrote is what is checked.
          r = publishedOutput(files, project);
        } finally {
          rmSync(project, { recursive: true, force: true });
        }
        for (const file of r.files.filter((f) => isApiObjectFile(f.path))) {
          for (const object of objectsIn(file.content, file.path)) {
            expect({ file: file.path, errors: validateKubeObject(object).errors }).toEqual({ file: file.path, errors: [] });
          }
        }
        const dialing = options.kvstoremesh ? 'cilium-kvstoremesh' : 'cilium-clustermesh';
        expectPeersExact(r, 'kube-system', options.kvstoremesh);
        expectPeersDialledAtTheirEndpoint(r, dialing);
        expectHostAliasesToPeerEndpoints(r, options.ciliumVersion !== '1.20.0', dialing);
      }),
      params(20),
    );
  });
});

// ---------------------------------------------------------------- corruptions

type Data = any;
/** File name -> parsed data, of a valid 3-cluster inventory. */
const BASE_FILES = syntheticInventory({ clusters: 3, globalServices: 2, policies: 2, nodesPerCluster: 2 });
const BASE: Record<string, Data> = Object.fromEntries(Object.entries(BASE_FILES).map(([name, text]) => [name, parse(text)]));

interface Corruption {
  readonly what: string;
  /** File name -> content. */
  readonly files: Record<string, string | Buffer>;
  /**
   * The problem it must cause: in this file, about this field ('' for the file
   * as a whole). A missing key is named by its parent field and the message
   * ("is missing the required key 'name'"): `missingKey` says which.
   */
  readonly expect?: { readonly file: string; readonly field: string; readonly missingKey?: { readonly parent: string; readonly key: string } };
}

type Path = (string | number)[];
const fieldText = (path: Path) => path.reduce<string>((t, s) => (typeof s === 'number' ? `${t}[${s}]` : t === '' ? s : `${t}.${s}`), '');

function edited(file: string, edit: (data: Data) => void): Record<string, string> {
  const data = structuredClone(BASE[file]);
  edit(data);
  return { ...BASE_FILES, [file]: stringify(data, { lineWidth: 0 }) };
}

function setAt(data: Data, path: Path, value: unknown): void {
  let node = data;
  for (const step of path.slice(0, -1)) node = node[step];
  node[path[path.length - 1]] = value;
}

function deleteAt(data: Data, path: Path): void {
  let node = data;
  for (const step of path.slice(0, -1)) node = node[step];
  delete node[path[path.length - 1]];
}

type Kind = 'string' | 'integer' | 'boolean' | 'object' | 'array';
/** Fields of the base inventory with the type the schema wants there. */
const TYPED_FIELDS: [string, Path, Kind][] = [
  ['c001.yaml', ['name'], 'string'],
  ['c001.yaml', ['id'], 'integer'],
  ['c001.yaml', ['podCidr'], 'string'],
  ['c001.yaml', ['serviceCidr'], 'string'],
  ['c001.yaml', ['podCidrMaskSize'], 'integer'],
  ['c002.yaml', ['nodes'], 'array'],
  ['c002.yaml', ['nodes', 0], 'object'],
  ['c002.yaml', ['nodes', 1, 'ip'], 'string'],
  ['c002.yaml', ['nodes', 0, 'name'], 'string'],
  ['c002.yaml', ['nodes', 1, 'role'], 'string'],
  ['c003.yaml', ['meshEndpoint'], 'object'],
  ['c003.yaml', ['meshEndpoint', 'nodePort'], 'integer'],
  ['mesh.yaml', ['name'], 'string'],
  ['mesh.yaml', ['cilium'], 'object'],
  ['mesh.yaml', ['cilium', 'version'], 'string'],
  ['mesh.yaml', ['cilium', 'kvstoremesh'], 'boolean'],
  ['mesh.yaml', ['cilium', 'maxConnectedClusters'], 'integer'],
  ['mesh.yaml', ['cilium', 'routing'], 'object'],
  ['mesh.yaml', ['cilium', 'kubeProxyReplacement'], 'boolean'],
  ['services.yaml', ['services'], 'array'],
  ['services.yaml', ['services', 0, 'name'], 'string'],
  ['services.yaml', ['services', 1, 'ports', 0, 'port'], 'integer'],
  ['services.yaml', ['services', 0, 'backend', 'replicas'], 'integer'],
  ['policies.yaml', ['policies', 0, 'from'], 'object'],
  ['policies.yaml', ['policies', 1, 'to', 'cluster'], 'string'],
  ['policies.yaml', ['policies', 0, 'ports', 0, 'port'], 'integer'],
];

const valueOfKind: Record<Kind, fc.Arbitrary<unknown>> = {
  string: fc.string({ minLength: 1, maxLength: 8 }).filter((s) => s.trim() !== ''),
  integer: fc.integer({ min: -5, max: 70000 }),
  boolean: fc.boolean(),
  object: fc.dictionary(fc.constantFrom('a', 'b'), fc.integer(), { minKeys: 1, maxKeys: 2 }),
  array: fc.array(fc.integer(), { minLength: 1, maxLength: 2 }),
};

const wrongType: fc.Arbitrary<Corruption> = fc.constantFrom(...TYPED_FIELDS).chain(([file, path, kind]) =>
  fc
    .oneof(...(Object.keys(valueOfKind) as Kind[]).filter((k) => k !== kind).map((k) => valueOfKind[k]), fc.constant(null))
    .map((value) => ({ what: `${file} ${fieldText(path)} = ${JSON.stringify(value)}`, files: edited(file, (d) => setAt(d, path, value)), expect: { file, field: fieldText(path) } })),
);

const REQUIRED: [string, Path][] = [
  ['c001.yaml', ['name']],
  ['c001.yaml', ['id']],
  ['c002.yaml', ['podCidr']],
  ['c002.yaml', ['nodes']],
  ['c003.yaml', ['nodes', 0, 'ip']],
  ['c003.yaml', ['nodes', 1, 'name']],
  ['mesh.yaml', ['cilium']],
  ['mesh.yaml', ['cilium', 'version']],
  ['services.yaml', ['services', 0, 'name']],
  ['services.yaml', ['services', 1, 'ports']],
  ['policies.yaml', ['policies', 0, 'to']],
];

const missingField: fc.Arbitrary<Corruption> = fc
  .constantFrom(...REQUIRED)
  .map(([file, path]) => ({
    what: `${file} without ${fieldText(path)}`,
    files: edited(file, (d) => deleteAt(d, path)),
    expect: { file, field: fieldText(path), missingKey: { parent: fieldText(path.slice(0, -1)), key: String(path[path.length - 1]) } },
  }));

const unknownKey: fc.Arbitrary<Corruption> = fc
  .record({
    at: fc.constantFrom<[string, Path]>(['c001.yaml', []], ['c002.yaml', ['nodes', 0]], ['c003.yaml', ['meshEndpoint']], ['mesh.yaml', ['cilium']], ['services.yaml', ['services', 0]], ['policies.yaml', ['policies', 1, 'from']]),
    key: fc.stringMatching(/^[a-z][a-zA-Z]{2,12}$/).map((k) => `zz${k}`),
    value: fc.oneof(fc.integer(), fc.string(), fc.boolean()),
  })
  .map(({ at: [file, path], key, value }) => ({
    what: `${file} ${fieldText([...path, key])} added`,
    files: edited(file, (d) => setAt(d, [...path, key], value)),
    expect: { file, field: fieldText([...path, key]) },
  }));

const collision: fc.Arbitrary<Corruption> = fc.constantFrom(
  { what: 'c002 takes the id of c001', files: edited('c002.yaml', (d) => (d.id = BASE['c001.yaml'].id)), expect: { file: 'c002.yaml', field: 'id' } },
  { what: 'c003 takes the pod range of c001', files: edited('c003.yaml', (d) => (d.podCidr = BASE['c001.yaml'].podCidr)), expect: { file: 'c003.yaml', field: 'podCidr' } },
  { what: 'c002 takes a pod range containing every other', files: edited('c002.yaml', (d) => (d.podCidr = '10.0.0.0/8')), expect: { file: 'c002.yaml', field: 'podCidr' } },
  { what: 'c003 takes the name of c001', files: edited('c003.yaml', (d) => (d.name = 'c001')), expect: { file: 'c003.yaml', field: 'name' } },
  { what: 'c002 takes the node IP of c001', files: edited('c002.yaml', (d) => (d.nodes[0].ip = BASE['c001.yaml'].nodes[0].ip)), expect: { file: 'c002.yaml', field: 'nodes[0].ip' } },
  { what: 'a second service with the same name', files: edited('services.yaml', (d) => d.services.push(structuredClone(d.services[0]))), expect: { file: 'services.yaml', field: 'services[2].name' } },
);

const hugeValue: fc.Arbitrary<Corruption> = fc
  .record({
    at: fc.constantFrom<[string, Path]>(['c001.yaml', ['id']], ['c002.yaml', ['meshEndpoint', 'nodePort']], ['mesh.yaml', ['cilium', 'maxConnectedClusters']], ['services.yaml', ['services', 0, 'ports', 0, 'port']], ['c003.yaml', ['podCidrMaskSize']]),
    value: fc.constantFrom(2 ** 31, 2 ** 53 + 2, 1e300, -(2 ** 53), 0.5),
  })
  .map(({ at: [file, path], value }) => ({ what: `${file} ${fieldText(path)} = ${value}`, files: edited(file, (d) => setAt(d, path, value)), expect: { file, field: fieldText(path) } }));

const hugeString: fc.Arbitrary<Corruption> = fc
  .record({
    at: fc.constantFrom<[string, Path]>(['c001.yaml', ['name']], ['c002.yaml', ['nodes', 0, 'name']], ['c003.yaml', ['podCidr']], ['services.yaml', ['services', 1, 'namespace']], ['policies.yaml', ['policies', 0, 'name']]),
    length: fc.integer({ min: 300, max: 200_000 }),
  })
  .map(({ at: [file, path], length }) => ({ what: `${file} ${fieldText(path)} of ${length} characters`, files: edited(file, (d) => setAt(d, path, 'x'.repeat(length))), expect: { file, field: fieldText(path) } }));

const FILE_NAMES = Object.keys(BASE_FILES);

const invalidUtf8: fc.Arbitrary<Corruption> = fc
  .record({ file: fc.constantFrom(...FILE_NAMES), at: fc.nat(), bytes: fc.constantFrom([0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]) })
  .map(({ file, at, bytes }) => {
    const text = Buffer.from(BASE_FILES[file]);
    const i = at % text.length;
    return { what: `${file}: bytes ${bytes} at ${i}`, files: { ...BASE_FILES, [file]: Buffer.concat([text.subarray(0, i), Buffer.from(bytes), text.subarray(i)]) }, expect: { file, field: '' } };
  });

/** Edits of the text that may or may not leave it valid: only "no crash, clean problems" is asserted. */
const randomEdit: fc.Arbitrary<Corruption> = fc
  .record({ file: fc.constantFrom(...FILE_NAMES), at: fc.nat(), cut: fc.nat({ max: 40 }), insert: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('\t', ':', '- ', '{', '&a', '*a', '!!binary ', '\n  ', '---\n', '<<: *x', '\u0000', '\ufeff')) })
  .map(({ file, at, cut, insert }) => {
    const text = BASE_FILES[file];
    const i = at % (text.length + 1);
    return { what: `${file}: ${cut} characters at ${i} replaced by ${JSON.stringify(insert)}`, files: { ...BASE_FILES, [file]: text.slice(0, i) + insert + text.slice(i + cut) } };
  });

const randomBytes: fc.Arbitrary<Corruption> = fc
  .record({ file: fc.constantFrom(...FILE_NAMES), bytes: fc.uint8Array({ minLength: 0, maxLength: 64 }) })
  .map(({ file, bytes }) => ({ what: `${file} replaced by ${bytes.length} random bytes`, files: { ...BASE_FILES, [file]: Buffer.from(bytes) } }));

const deletedFile: fc.Arbitrary<Corruption> = fc.constantFrom(...FILE_NAMES.filter((n) => n !== 'services.yaml' && n !== 'policies.yaml')).map((file) => {
  const files: Record<string, string> = { ...BASE_FILES };
  delete files[file];
  return { what: `${file} deleted`, files };
});

const corruption = fc.oneof(wrongType, missingField, unknownKey, collision, hugeValue, hugeString, invalidUtf8, randomEdit, randomBytes, deletedFile);

function tempProject(files: Record<string, string | Buffer>): string {
  const root = mkdtempSync(join(tmpdir(), 'mesh-prop-'));
  mkdirSync(join(root, 'clusters'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(root, 'clusters', name), content);
  return root;
}

/** A dist/ from an earlier synth, that a failed synth must leave as it is. */
function withOldDist(root: string): string {
  const dist = join(root, 'dist');
  publish(dist, [
    { path: 'c001/kustomization.yaml', content: 'resources: []\n' },
    { path: 'c002/bootstrap/README.md', content: 'old\n' },
  ]);
  return treeDigest(dist)!;
}

function expectClean(problems: readonly Problem[], c: Corruption): void {
  for (const p of problems) {
    expect(p.file).toMatch(/^clusters(\/|$)/);
    expect(typeof p.field).toBe('string');
    expect(formatProblem(p)).not.toMatch(/\n\s+at |TypeError|ReferenceError|RangeError|undefined|\[object Object\]|NaN/);
  }
  if (c.expect) {
    const errors = problems.filter((p) => p.severity === 'error');
    const { file, field, missingKey } = c.expect;
    const named = errors.filter(
      (p) =>
        p.file === `clusters/${file}` &&
        (p.field === field || p.field.startsWith(`${field}.`) || p.field.startsWith(`${field}[`) || (missingKey !== undefined && p.field === missingKey.parent && p.message.includes(`'${missingKey.key}'`))),
    );
    if (named.length === 0) throw new Error(`${c.what}: no error names clusters/${c.expect.file} ${c.expect.field}; got:\n${errors.map(formatProblem).join('\n') || '(no error)'}`);
  }
}

describe('random corruptions of a valid inventory', () => {
  it('the base inventory is valid', () => {
    const root = tempProject(BASE_FILES);
    try {
      expect(loadInventory(join(root, 'clusters'), { displayRoot: root }).problems.filter((p) => p.severity === 'error')).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('give problems that name the file and field, never an exception, and leave dist/ unchanged', () => {
    fc.assert(
      fc.property(corruption, (c) => {
        const root = tempProject(c.files);
        try {
          const before = withOldDist(root);
          const loaded = loadInventory(join(root, 'clusters'), { displayRoot: root });
          expectClean(loaded.problems, c);
          const result = synthMesh({ root });
          expect(result.ok).toBe(loaded.mesh !== undefined);
          if (!result.ok) expect(treeDigest(join(root, 'dist'))).toBe(before);
        } finally {
          rmSync(root, { recursive: true, force: true });
        }
      }),
      params(400),
    );
  });

  it('through the app that cdk8s runs: exit 1, one line per problem, no stack trace, dist/ unchanged', () => {
    const app = join(PROJECT_ROOT, '.build', 'main.js');
    fc.assert(
      fc.property(fc.oneof(wrongType, missingField, collision, hugeValue, invalidUtf8, randomBytes), (c) => {
        const root = tempProject(c.files);
        try {
          const before = withOldDist(root);
          const run = spawnSync(process.execPath, [app], { cwd: root, encoding: 'utf8', timeout: CHILD_PROCESS_HANG_MS });
          expect({ what: c.what, status: run.status }).toEqual({ what: c.what, status: 1 });
          expect(run.stderr).not.toMatch(/^\s+at /m);
          for (const line of run.stderr.split('\n').filter((l) => l !== '')) expect(line).toMatch(/^(error|warning): clusters|^\d+ errors? in the inventory; nothing was written\.$/);
          expect(treeDigest(join(root, 'dist'))).toBe(before);
        } finally {
          rmSync(root, { recursive: true, force: true });
        }
      }),
      params(12),
    );
  });
});
