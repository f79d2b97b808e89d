/**
 * Every generated file of dist/ names the code that renders it, in one step:
 * a header in the file's own comment syntax, taken from the table of output
 * files, whose entries name code that exists. Ciphertext copied verbatim
 * carries no header: its bytes are the committed file's.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { isSopsEncrypted } from '../../lib/secrets/sops';
import { renderMesh } from '../../lib/mesh-manifests';
import { MANIFESTS, Origin, SUPPORT_FILES } from '../../lib/output/files';
import { withProvenance } from '../../lib/output/provenance';
import { editFile, exampleInventory, meshOf, exampleSecrets } from '../support/inventory-fixture';
import { PROJECT_ROOT } from '../support/paths';

const ORIGINS: [string, Origin][] = [...Object.entries(MANIFESTS), ...Object.entries(SUPPORT_FILES)];

/** The origin a header names, or undefined when the file has none. */
function headerOrigin(path: string, content: string): { renderedBy: string; source: string } | undefined {
  const text = content.startsWith('#!') ? content.slice(content.indexOf('\n') + 1) : content;
  const match = path.endsWith('.md')
    ? /^<!-- Generated from the inventory by k3s-cilium-mesh \('npm run synth'\); do not edit\. Rendered by (\S+) in (\S+)\. -->\n\n/.exec(text)
    : /^# Generated from the inventory by k3s-cilium-mesh \('npm run synth'\); do not edit\.\n# Rendered by (\S+) in (\S+)\.\n/.exec(text);
  return match ? { renderedBy: match[1], source: match[2] } : undefined;
}

/** The origin a file of dist/ must name, from its path alone. */
function expectedOrigin(path: string): Origin {
  const parts = path.split('/');
  const base = parts[parts.length - 1];
  const manifest = Object.entries(MANIFESTS).find(([name]) => base === `${name}.yaml` && (parts[1] === 'bootstrap' || /^\d\d-/.test(parts[1])));
  if (manifest) return manifest[1];
  if (parts[1] === 'bootstrap' && base === 'README.md') return SUPPORT_FILES.bootstrapReadme;
  if (parts.length === 1 && base === 'README.md') return SUPPORT_FILES.overview;
  if (/^k3s-config-.+\.yaml$/.test(base)) return SUPPORT_FILES.k3sConfig;
  const support = Object.values(SUPPORT_FILES).find((s) => s.file === base);
  if (!support) throw new Error(`${path}: no entry in lib/output/files.ts`);
  return support;
}

describe('the table of output files', () => {
  it.each(ORIGINS)('%s names code that exists: its renderer is declared in its source file', (_kind, origin) => {
    const source = readFileSync(join(PROJECT_ROOT, origin.source), 'utf8');
    expect(source).toMatch(new RegExp(`^export (class|function|const) ${origin.renderedBy}\\b`, 'm'));
  });

  it('copies to bootstrap/ exactly the manifests of the Cilium stage, which k3s must apply before any GitOps engine', () => {
    for (const entry of Object.values(MANIFESTS)) expect(entry.bootstrap).toBe(entry.stage.folder === '02-cilium');
  });
});

describe('provenance headers', () => {
  const inventories = {
    'the example (SOPS CA, both engines)': exampleInventory(),
    'external-secrets CA, Flux only': editFile(exampleInventory(), 'mesh.yaml', (m) => {
      m.secrets = { provider: 'external-secrets', externalSecrets: { storeRef: { name: 'vault' }, remoteKey: 'mesh/ca' } };
      m.delivery.engine = 'flux';
    }),
  };

  it.each(Object.entries(inventories))('every file of %s but the SOPS ciphertext names the code that renders it', (_name, files) => {
    const out = renderMesh(meshOf(files), exampleSecrets());
    const missing: string[] = [];
    for (const f of out) {
      const named = headerOrigin(f.path, f.content);
      if (isSopsEncrypted(f.content)) {
        expect({ path: f.path, named }).toEqual({ path: f.path, named: undefined });
        continue;
      }
      if (!named) missing.push(f.path);
      else expect({ path: f.path, named }).toEqual({ path: f.path, named: { renderedBy: expectedOrigin(f.path).renderedBy, source: expectedOrigin(f.path).source } });
    }
    expect(missing).toEqual([]);
  });

  it('leaves YAML meaning and a script runnable: comments only, after the shebang', () => {
    const origin = SUPPORT_FILES.fluxSync;
    const yaml = withProvenance(origin, 'a.yaml', 'kind: A\n---\nkind: B\n');
    expect(parseAllDocuments(yaml).map((d) => d.toJS())).toEqual([{ kind: 'A' }, { kind: 'B' }]);
    const script = withProvenance(SUPPORT_FILES.handoverScript, 'handover.sh', '#!/bin/sh\nset -eu\n');
    expect(script.split('\n')[0]).toBe('#!/bin/sh');
    expect(script.split('\n').slice(1, 3).every((line) => line.startsWith('# '))).toBe(true);
    expect(withProvenance(SUPPORT_FILES.overview, 'README.md', '# Title\n')).toMatch(/^<!-- .* -->\n\n# Title\n$/);
  });
});
