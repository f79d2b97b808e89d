/**
 * The import graph of lib/: every import points down the layers (or stays in
 * its own folder), and no file reaches itself through its imports. Imports of
 * files outside lib/ (the inventory's JSON Schemas, imports/) are not layered. A new
 * folder must be given its layer here before anything can import it.
 */
import { readdirSync, readFileSync, statSync } from 'fs';
import { dirname, join, relative, resolve } from 'path';
import * as ts from 'typescript';
import { PROJECT_ROOT } from '../support/paths';

/** Bottom first; a folder may import its own files and those of lower layers only. */
const LAYERS: readonly (readonly string[])[] = [
  ['model', 'output', 'report'], // the vocabulary: the domain model, the table of output files, problems for people
  ['fs', 'cilium'], // reading and writing the project's files; Cilium's values and peer entries
  ['secrets', 'constructs'], // SOPS and the mesh CA; one construct per output concern
  ['inventory', 'gitops'], // reading the inventory; the stage layout, Flux and Argo CD
  ['bootstrap', 'overview'], // the bootstrap folder; dist/README.md
  ['mesh-manifests'], // the whole render
  ['synth', 'impact'], // load, render, publish; the rollout impact against a base revision
  ['cli'], // npm run mesh
  ['index'], // the library's exports
];

const LIB = join(PROJECT_ROOT, 'lib');
const layerOf = (folder: string) => LAYERS.findIndex((names) => names.includes(folder));
/** The layer folder of a file under lib/: its first path segment, or the file name for lib/*.ts. */
const folderOf = (file: string) => relative(LIB, file).split('/')[0].replace(/\.ts$/, '');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** The lib/ files a file imports (type-only imports included: they couple the layers too). */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((f) => f.fileName)
    .filter((name) => name.startsWith('.'))
    .map((name) => {
      const base = resolve(dirname(file), name);
      const candidates = [base, `${base}.ts`, join(base, 'index.ts')];
      const found = candidates.find((c) => {
        try {
          return statSync(c).isFile();
        } catch {
          return false;
        }
      });
      if (!found) throw new Error(`${relative(PROJECT_ROOT, file)} imports ${name}, which does not resolve to a file`);
      return found;
    })
    .filter((target) => target.startsWith(LIB + '/') && target.endsWith('.ts'));
}

const files = sources(LIB);
const graph = new Map(files.map((f) => [f, importsOf(f)]));

describe('the layers of lib/', () => {
  it('gives every folder of lib/ a layer', () => {
    const folders = [...new Set(files.map(folderOf))];
    expect(folders.filter((f) => layerOf(f) < 0)).toEqual([]);
  });

  it('imports only down the layers or within a folder', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      for (const target of targets) {
        const from = folderOf(file);
        const to = folderOf(target);
        if (from !== to && layerOf(to) >= layerOf(from)) upward.push(`${relative(PROJECT_ROOT, file)} -> ${relative(PROJECT_ROOT, target)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('has no import cycle between files', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]) => {
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) {
        if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next].map((f) => relative(LIB, f)).join(' -> '));
        else if (!state.has(next)) visit(next, [...path, next]);
      }
      state.set(file, 'done');
    };
    for (const file of files) if (!state.has(file)) visit(file, [file]);
    expect(cycles).toEqual([]);
  });

  it('would catch an upward import and a cycle (the checks are not vacuous)', () => {
    expect(layerOf('cli')).toBeGreaterThan(layerOf('model'));
    expect(graph.get(join(LIB, 'mesh-manifests.ts'))).toEqual(expect.arrayContaining([join(LIB, 'gitops', 'layout.ts')]));
    expect(graph.get(join(LIB, 'gitops', 'layout.ts'))).not.toContain(join(LIB, 'mesh-manifests.ts'));
  });
});
