/**
 * Loads the inventory folder into a Mesh: every file is parsed and checked
 * against its schema, then the rules across files run. All problems are
 * reported together; a Mesh is returned only when there is no error. Secret
 * files are not read here: lib/inventory/load-project.ts reads them next.
 */
import { readdirSync, statSync } from 'fs';
import { join, relative, resolve } from 'path';
import { Cluster, GlobalService, Mesh, NamespaceDefaultDeny, PolicyIntent, RawCiliumPolicy } from '../model/mesh';
import { Problem, sortProblems } from '../report/problems';
import { readCluster } from './read-cluster';
import { MeshSettings, readMesh } from './read-mesh';
import { readPolicies } from './read-policies';
import { readServices } from './read-services';
import { checkAgainstSchema, INVENTORY_KINDS, InventoryKind, isInventoryKind, SCHEMA_FILES } from './schema-check';
import { checkClusters, checkDefaultDenies, checkPolicies, checkPolicyNamespaces, checkRawPolicies, checkServiceNamespaces, checkServices, Declared, DeclaredCluster, namespaceRules } from './mesh-rules';
import { SourceFile } from './source-file';
import { missingJoinTokens } from './read-join-tokens';
import { describeValue } from './schema-check';

export interface LoadOptions {
  /** Paths in messages are relative to this folder (default: the current directory). */
  readonly displayRoot?: string;
  /** Folder secrets.caFile is relative to, for the check that it stays inside the project (default: displayRoot, else the current directory). */
  readonly projectRoot?: string;
  /** The output folder of this run, where the CA files must not be; <projectRoot>/dist is refused always. */
  readonly outputDir?: string;
}

export interface LoadResult {
  /** Present when there is no error. */
  readonly mesh?: Mesh;
  /** Errors and warnings, sorted by file and line. */
  readonly problems: readonly Problem[];
}

export function loadInventory(dir: string, options: LoadOptions = {}): LoadResult {
  const root = options.displayRoot ?? process.cwd();
  const problems: Problem[] = [];
  const dirDisplay = relative(root, dir) || '.';
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a folder');
    names = readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch {
    return { problems: [{ severity: 'error', file: dirDisplay, field: '', message: 'is not a readable folder', fix: 'run synth from the project root, where clusters/ holds the inventory' }] };
  }

  const byKind = new Map<InventoryKind, SourceFile[]>(INVENTORY_KINDS.map((k) => [k, []]));
  const clusterNamesSeen: string[] = [];
  // A cluster file is named after its cluster, so the stem of every cluster file,
  // and of every file whose kind could not be read, may be a cluster name: a
  // reference to it is not reported, the file's own problems say what is wrong.
  const possibleClusterNames: string[] = [];
  let unidentifiedFiles = 0;
  const kindsWithErrors = new Set<InventoryKind>();
  for (const name of names) {
    const display = relative(root, join(dir, name));
    const stem = name.replace(/\.ya?ml$/, '');
    const { file, problems: parseProblems } = SourceFile.read(join(dir, name), display);
    problems.push(...parseProblems);
    const data = file?.data as Record<string, unknown> | null | undefined;
    if (!file || !data || typeof data !== 'object' || Array.isArray(data) || !isInventoryKind(data.kind)) {
      unidentifiedFiles++;
      possibleClusterNames.push(stem);
    }
    if (!file) continue;
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      problems.push(file.problem([], `holds ${describeValue(data)}, not a mapping`, `start the file with 'kind:' (${INVENTORY_KINDS.join(', ')})`));
      continue;
    }
    if (!isInventoryKind(data.kind)) {
      problems.push(file.problem(['kind'], data.kind === undefined ? 'is missing' : `${describeValue(data.kind)} is not a known kind`, `set kind to one of ${INVENTORY_KINDS.join(', ')}`));
      continue;
    }
    if (data.kind === 'Cluster') {
      possibleClusterNames.push(stem);
      if (typeof data.name === 'string') clusterNamesSeen.push(data.name);
    }
    const { structure, names } = checkAgainstSchema(file, data.kind);
    problems.push(...structure, ...names);
    if (structure.length === 0) byKind.get(data.kind)!.push(file);
    else kindsWithErrors.add(data.kind);
  }

  const meshFiles = byKind.get('Mesh')!;
  const missingFix = `add a file clusters/mesh.yaml starting with 'kind: Mesh' (see ${SCHEMA_FILES.Mesh})`;
  let settings: MeshSettings | undefined;
  if (meshFiles.length > 1) {
    for (const f of meshFiles.slice(1)) problems.push(f.problem(['kind'], `a second Mesh file (the first is ${meshFiles[0].path})`, 'keep exactly one file of kind Mesh'));
  }
  if (meshFiles.length > 0) settings = readMesh(meshFiles[0], problems, meshOptions(options, root));
  else if (unidentifiedFiles === 0 && !kindsWithErrors.has('Mesh')) {
    problems.push({ severity: 'error', file: dirDisplay, field: '', message: 'has no mesh settings', fix: missingFix });
  }

  const clusterFiles = byKind.get('Cluster')!;
  const declaredClusters: DeclaredCluster[] = clusterFiles.map((file) => ({ file, cluster: readCluster(file, problems) }));
  if (clusterNamesSeen.length === 0 && unidentifiedFiles === 0) {
    problems.push({ severity: 'error', file: dirDisplay, field: '', message: 'has no cluster', fix: "add one file per cluster, <name>.yaml, starting with 'kind: Cluster'" });
  } else if (clusterNamesSeen.length === 1 && unidentifiedFiles === 0) {
    problems.push({ severity: 'warning', file: dirDisplay, field: '', message: 'has a single cluster, so there is no mesh yet', fix: 'add the clusters it should connect to' });
  }
  if (settings) checkClusters(declaredClusters, settings.cilium, problems);
  // A cluster whose nodes join one another needs its token file; it is read after the inventory, like the CA.
  if (settings) missingJoinTokens(declaredClusters, settings.secrets, meshOptions(options, root).projectRoot, problems);

  // References are checked against every cluster that was declared, even one
  // whose file has errors, so a typo in one file does not cascade into others.
  const clusterNames = [...new Set(clusterNamesSeen)].sort();
  const services: Declared<GlobalService>[] = byKind.get('GlobalServices')!.flatMap((file) =>
    readServices(file, clusterNames, problems, possibleClusterNames).map((item, index) => ({ item, file, index })),
  );
  checkServices(services, problems);
  const policies: Declared<PolicyIntent>[] = [];
  const defaultDenies: Declared<NamespaceDefaultDeny>[] = [];
  const rawPolicies: Declared<RawCiliumPolicy>[] = [];
  for (const file of byKind.get('Policies')!) {
    const contents = readPolicies(file, clusterNames, problems, possibleClusterNames);
    policies.push(...contents.intents.map((item, index) => ({ item, file, index })));
    defaultDenies.push(...contents.defaultDenies.map((item, index) => ({ item, file, index })));
    rawPolicies.push(...contents.rawPolicies.map((item, index) => ({ item, file, index })));
  }
  checkPolicies(policies, problems);
  if (settings) {
    // Namespaces are checked only with readable mesh settings: they say which namespaces exist.
    const rules = namespaceRules(settings, services);
    checkServiceNamespaces(services, rules, problems);
    checkPolicyNamespaces(policies, rules, problems);
    checkDefaultDenies(defaultDenies, rules, problems);
    checkRawPolicies(rawPolicies, policies.map((d) => d.item), defaultDenies.map((d) => d.item), rules, problems);
  }

  if (settings && meshFiles.length > 0) {
    const unpinned = declaredClusters.filter((d) => (d.cluster.k3sVersion ?? settings.k3sVersion) === undefined).map((d) => d.cluster.name);
    if (unpinned.length > 0) {
      problems.push(
        meshFiles[0].problem(['k3s', 'version'], `is not set, so the hand-over of ${someOf(unpinned)} installs whatever k3s release is stable that day`, 'pin the release you tested: k3s.version, e.g. v1.34.2+k3s1', { severity: 'warning' }),
      );
    }
  }
  const sorted = sortProblems(problems);
  if (!settings || sorted.some((p) => p.severity === 'error')) return { problems: sorted };
  const clusters: Cluster[] = declaredClusters
    .map((d): Cluster => ({ ...d.cluster, k3sVersion: d.cluster.k3sVersion ?? settings.k3sVersion }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return {
    problems: sorted,
    mesh: {
      name: settings.name,
      cilium: settings.cilium,
      secrets: settings.secrets,
      delivery: settings.delivery,
      verificationKit: settings.verificationKit,
      clusters,
      globalServices: services.map((d) => d.item).sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name)),
      policies: policies.map((d) => d.item).sort((a, b) => a.name.localeCompare(b.name)),
      namespaces: settings.namespaces,
      defaultDenies: defaultDenies.map((d) => d.item).sort((a, b) => a.namespace.localeCompare(b.namespace)),
      rawPolicies: rawPolicies.map((d) => d.item),
    },
  };
}

function meshOptions(options: LoadOptions, root: string) {
  const projectRoot = options.projectRoot ?? root;
  const outputDirs = [...new Set([resolve(projectRoot, 'dist'), ...(options.outputDir ? [resolve(options.outputDir)] : [])])];
  return { projectRoot, outputDirs };
}

/** Names for a message: all of a few, the first of many with how many more (a warning about 500 clusters stays one readable line). */
function someOf(names: readonly string[], shown = 8): string {
  if (names.length <= shown) return names.join(', ');
  return `${names.slice(0, shown).join(', ')} and ${names.length - shown} more clusters`;
}
