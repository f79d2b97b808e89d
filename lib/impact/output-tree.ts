/**
 * A dist/ tree (path -> text) split the way GitOps applies it: per cluster
 * folder, the Kubernetes objects its engine applies (the stage folders and the
 * Flux entry point), identified by group, kind, namespace and name; and the
 * files that apply nothing by themselves (bootstrap/, kustomization.yaml and
 * other build files, documentation).
 */
import { OUTPUT_FOLDERS } from '../output/files';
import { STAGES } from '../output/stages';
import { yamlDocuments } from './yaml-documents';

export interface ManifestObject {
  /** `Kind namespace/name` (`Kind name` for cluster-scoped objects), with the API group when there is one. */
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  /** The file it is in, relative to dist/. */
  readonly file: string;
  readonly body: Readonly<Record<string, unknown>>;
}

/** Files of a cluster folder that apply nothing themselves. */
export type InertRole = 'bootstrap' | 'build' | 'docs';

export interface ClusterTree {
  readonly objects: ReadonlyMap<string, ManifestObject>;
  /** Other files, relative to dist/, with their role and text. */
  readonly inert: ReadonlyMap<string, { readonly role: InertRole; readonly text: string }>;
}

export interface OutputTree {
  readonly clusters: ReadonlyMap<string, ClusterTree>;
  /** Files outside the cluster folders (dist/README.md, dist/argocd/), as a tree of their own. */
  readonly meshWide: ClusterTree;
}

const APPLIED_FOLDERS = new Set<string>([...STAGES.map((s) => s.folder), OUTPUT_FOLDERS.flux]);

export function objectId(body: Readonly<Record<string, unknown>>): { id: string; kind: string; name: string; namespace?: string } {
  const apiVersion = String(body.apiVersion ?? '');
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  const kind = String(body.kind ?? '');
  const meta = (body.metadata ?? {}) as { name?: unknown; namespace?: unknown };
  const name = String(meta.name ?? '');
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : undefined;
  const kindLabel = group === '' || group.endsWith('k8s.io') || group === 'apps' || group === 'batch' ? kind : `${kind}.${group}`;
  return { id: `${kindLabel} ${namespace ? `${namespace}/` : ''}${name}`, kind, name, namespace };
}

/** The Kubernetes objects of one YAML file (empty documents skipped). */
export function objectsOf(file: string, text: string): ManifestObject[] {
  const objects: ManifestObject[] = [];
  for (const body of yamlDocuments(text, file)) {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) continue;
    const record = body as Record<string, unknown>;
    objects.push({ ...objectId(record), file, body: record });
  }
  return objects;
}

/**
 * The objects of the files read so far, by path. Give the same to both trees of a comparison: a file
 * whose text is the same in both is read once (most files, when a change touches a few), and both
 * trees hold the same objects for it.
 */
export class ParsedFiles {
  private readonly byPath = new Map<string, { readonly text: string; readonly objects: ManifestObject[] }>();

  objectsOf(path: string, text: string): ManifestObject[] {
    const known = this.byPath.get(path);
    if (known?.text === text) return known.objects;
    const objects = objectsOf(path, text);
    this.byPath.set(path, { text, objects });
    return objects;
  }
}

function treeOf(entries: readonly [string, string][], roleOf: (rel: string) => InertRole | 'applied', parsed: ParsedFiles): ClusterTree {
  const objects = new Map<string, ManifestObject>();
  const inert = new Map<string, { role: InertRole; text: string }>();
  for (const [path, text] of entries) {
    const role = roleOf(path);
    if (role !== 'applied') {
      inert.set(path, { role, text });
      continue;
    }
    for (const object of parsed.objectsOf(path, text)) objects.set(object.id, object);
  }
  return { objects, inert };
}

function clusterRole(rel: string): InertRole | 'applied' {
  const [first] = rel.split('/');
  const name = rel.split('/').pop()!;
  if (first === OUTPUT_FOLDERS.bootstrap) return 'bootstrap';
  if (!/\.ya?ml$/.test(name)) return 'docs';
  if (name === 'kustomization.yaml' || !APPLIED_FOLDERS.has(first) || rel === first) return 'build';
  return 'applied';
}

/** Splits a dist/ tree; files whose name starts with a dot are the tool's own bookkeeping and left out. */
export function splitOutputTree(files: ReadonlyMap<string, string>, parsed: ParsedFiles = new ParsedFiles()): OutputTree {
  const byCluster = new Map<string, [string, string][]>();
  const meshWide: [string, string][] = [];
  for (const [path, text] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    if (path.split('/').some((part) => part.startsWith('.'))) continue;
    const parts = path.split('/');
    if (parts.length === 1 || parts[0] === OUTPUT_FOLDERS.argocd) {
      meshWide.push([path, text]);
      continue;
    }
    const list = byCluster.get(parts[0]) ?? [];
    list.push([path, text]);
    byCluster.set(parts[0], list);
  }
  const clusters = new Map<string, ClusterTree>();
  for (const [cluster, entries] of byCluster) clusters.set(cluster, treeOf(entries, (path) => clusterRole(path.slice(cluster.length + 1)), parsed));
  return {
    clusters,
    meshWide: treeOf(meshWide, (path) => (path.endsWith('.md') ? 'docs' : /\.ya?ml$/.test(path) && !path.endsWith('kustomization.yaml') ? 'applied' : 'build'), parsed),
  };
}
