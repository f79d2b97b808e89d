/**
 * `npm run bench`: synth time, CPU, peak memory and output size for synthetic
 * meshes of 3 to 511 clusters, each against the write floor (the time to write
 * the same bytes, one write per file, from memory, in the same folder); an
 * unchanged and a one-cluster re-synth at 255 clusters; the example through
 * `npm run synth` and the stock cdk8s TypeScript template synthesising one
 * Deployment, side by side. Results go to stdout and BENCHMARKS.md.
 *
 * Projects are made under BENCH_DIR, by default /dev/shm where it exists: on
 * tmpfs the write floor is the cost of the bytes, not of a disk's queue.
 */
import { execFileSync, spawnSync } from 'child_process';
import { availableParallelism, cpus } from 'os';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join, resolve } from 'path';
import { yamlDocuments } from '../lib/impact/yaml-documents';
import { toYaml } from '../lib/output/yaml';
import { findClearKeysInBytes } from '../lib/synth/clear-key-scan';
import { syntheticInventory } from './synthetic-inventory';

const ROOT = resolve(__dirname, '..');
const SIZES = (process.env.BENCH_SIZES ?? '3,32,128,255,511').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TIME = '/usr/bin/time';
const BENCH_DIR = process.env.BENCH_DIR ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
/** The one-change re-synth is measured at this size (or the largest measured below it). */
const RESYNTH_SIZE = 255;

interface Measurement {
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  readonly peakRssMiB: number;
}

/** Runs a command under GNU time; wall, user+sys CPU (children included) and the largest RSS of any process. */
function measure(command: string, args: readonly string[], cwd: string): Measurement {
  const report = join(cwd, '.time-report');
  const started = process.hrtime.bigint();
  const run = spawnSync(TIME, ['-o', report, '-f', '%U %S %M', command, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' } });
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${run.stderr}`);
  const [user, sys, maxKiB] = readFileSync(report, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  rmSync(report);
  return { wallSeconds, cpuSeconds: user + sys, peakRssMiB: maxKiB / 1024 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function best(runs: Measurement[]): Measurement {
  return { wallSeconds: median(runs.map((r) => r.wallSeconds)), cpuSeconds: median(runs.map((r) => r.cpuSeconds)), peakRssMiB: Math.max(...runs.map((r) => r.peakRssMiB)) };
}

/** Every file below `dir`: relative path and bytes. */
function readTree(dir: string, prefix = ''): [string, Buffer][] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry): [string, Buffer][] =>
    entry.isDirectory() ? readTree(join(dir, entry.name), `${prefix}${entry.name}/`) : [[`${prefix}${entry.name}`, readFileSync(join(dir, entry.name))]],
  );
}

/** The median seconds of RUNS calls of `work` in this thread, each after `prepare` (not timed). */
function medianSeconds(work: () => void, prepare: () => void = () => undefined): number {
  const runs = Array.from({ length: RUNS }, () => {
    prepare();
    const started = process.hrtime.bigint();
    work();
    return Number(process.hrtime.bigint() - started) / 1e9;
  });
  return median(runs);
}

/**
 * The write floor: seconds to write `files` below `dir` from memory, one
 * writeFileSync per file (and a mkdir per folder), as synth must at least.
 */
function writeFloor(files: readonly [string, Buffer][], dir: string): number {
  const seconds = medianSeconds(
    () => {
      const made = new Set<string>();
      for (const [path, bytes] of files) {
        const folder = dirname(join(dir, path));
        if (!made.has(folder)) {
          mkdirSync(folder, { recursive: true });
          made.add(folder);
        }
        writeFileSync(join(dir, path), bytes);
      }
    },
    () => rmSync(dir, { recursive: true, force: true }),
  );
  rmSync(dir, { recursive: true, force: true });
  return seconds;
}

/**
 * Seconds to scan `files` for key material in clear, in this one thread, as a synth must scan every
 * byte before it publishes (lib/synth/clear-key-scan.ts); the synth spreads it over its render threads.
 */
function keyScanSeconds(files: readonly [string, Buffer][]): number {
  return medianSeconds(() => {
    const findings = findClearKeysInBytes(files.map(([path, content]) => ({ path, content })));
    if (findings.length > 0) throw new Error(`the synthetic mesh's output holds key material in clear: ${findings[0].path}`);
  });
}

/**
 * Seconds to serialise the YAML manifests among `files` again, in this one thread: each file's
 * documents, read back, turned into the bytes it holds by the synth's writer (lib/output/yaml.ts) and
 * encoded as UTF-8, as a synth does before it writes. Only files the writer gives back byte for byte
 * after their provenance header are timed (not ciphertext, not Markdown or scripts); their share of
 * the output is returned too.
 */
function serialiseSeconds(files: readonly [string, Buffer][]): { seconds: number; bytes: number } {
  const manifests = files.flatMap(([path, content]) => {
    if (!path.endsWith('.yaml')) return [];
    const text = content.toString('utf8');
    const body = text.replace(/^(#[^\n]*\n)+/, '');
    let docs: unknown[];
    try {
      docs = yamlDocuments(body, path);
    } catch {
      return [];
    }
    return toYaml(...docs) === body ? [{ docs, bytes: content.length }] : [];
  });
  const seconds = medianSeconds(() => {
    for (const { docs } of manifests) Buffer.from(toYaml(...docs), 'utf8');
  });
  return { seconds, bytes: manifests.reduce((sum, m) => sum + m.bytes, 0) };
}

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(BENCH_DIR, 'mesh-bench-'));
  mkdirSync(join(dir, 'clusters'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'clusters', name), text);
  return dir;
}

/** The stock `cdk8s init typescript-app` project with one Deployment, run the way the template runs it. */
function stockTemplate(): string {
  const template = join(ROOT, 'node_modules', 'cdk8s-cli', 'templates', 'typescript-app');
  const dir = mkdtempSync(join(BENCH_DIR, 'cdk8s-stock-'));
  writeFileSync(join(dir, 'cdk8s.yaml'), 'language: typescript\napp: npx ts-node main.ts\n');
  writeFileSync(join(dir, 'tsconfig.json'), readFileSync(join(template, 'tsconfig.json')));
  const main = readFileSync(join(template, 'main.ts'), 'utf8')
    .replace("import { App, Chart, ChartProps } from 'cdk8s';", "import { App, Chart, ChartProps } from 'cdk8s';\nimport { k8s } from 'cdk8s-plus-27';")
    .replace('// define resources here', [
      "new k8s.KubeDeployment(this, 'deployment', {",
      "  spec: { replicas: 2, selector: { matchLabels: { app: 'hello' } },",
      "    template: { metadata: { labels: { app: 'hello' } }, spec: { containers: [{ name: 'hello', image: 'nginx:1' }] } } },",
      '});',
    ].join('\n    '))
    .replace('{{ $base }}', 'stock');
  writeFileSync(join(dir, 'main.ts'), main);
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

function main(): void {
  if (!existsSync(TIME)) throw new Error(`${TIME} not found: install Debian's 'time' package (apt-get install time)`);
  execFileSync('node', [join(ROOT, 'scripts', 'build.js')]);
  const cdk8s = join(ROOT, 'node_modules', '.bin', 'cdk8s');
  /** One run of the synth app in `dir`. */
  const synth = (dir: string) => measure('node', [join(ROOT, '.build', 'main.js')], dir);
  const lines: string[] = [];
  const log = (line: string) => {
    lines.push(line);
    process.stdout.write(`${line}\n`);
  };

  log(`# Benchmarks\n`);
  log(`Measured by \`npm run bench\` on a machine with ${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}; median of ${RUNS} runs, peak RSS is the largest of any process of the run.\n`);

  log('## The example through `npm run synth`, against the stock cdk8s template\n');
  log('| what | wall s | CPU s | peak RSS MiB |');
  log('| --- | ---: | ---: | ---: |');
  const stock = stockTemplate();
  const stockRun = best(Array.from({ length: RUNS }, () => measure(cdk8s, ['synth', '--no-check-upgrade'], stock)));
  rmSync(stock, { recursive: true, force: true });
  const example = best(Array.from({ length: RUNS }, () => measure('npm', ['run', '--silent', 'synth'], ROOT)));
  // The parts of `npm run synth`, each on its own, to show where the time goes.
  const plainCli = best(Array.from({ length: RUNS }, () => measure(cdk8s, ['synth', '--no-check-upgrade'], ROOT)));
  const app = best(Array.from({ length: RUNS }, () => synth(ROOT)));
  const buildCheck = best(Array.from({ length: RUNS }, () => measure('node', [join(ROOT, 'scripts', 'build.js')], ROOT)));
  const nodeStart = best(Array.from({ length: RUNS }, () => measure('node', ['-e', '0'], ROOT)));
  log(`| stock template, one Deployment (\`cdk8s synth\`, ts-node) | ${stockRun.wallSeconds.toFixed(2)} | ${stockRun.cpuSeconds.toFixed(2)} | ${stockRun.peakRssMiB.toFixed(0)} |`);
  log(`| example, 3 clusters (\`npm run synth\`) | ${example.wallSeconds.toFixed(2)} | ${example.cpuSeconds.toFixed(2)} | ${example.peakRssMiB.toFixed(0)} |`);
  log(`\nRatio example / stock wall time: ${(example.wallSeconds / stockRun.wallSeconds).toFixed(2)} (target at most 0.50).\n`);
  log('Parts, each measured alone on the example:\n');
  log('| part | wall s |');
  log('| --- | ---: |');
  log(`| \`node -e 0\` (one Node start) | ${nodeStart.wallSeconds.toFixed(2)} |`);
  log(`| \`node scripts/build.js\` with nothing changed (fingerprint check, no esbuild) | ${buildCheck.wallSeconds.toFixed(2)} |`);
  log(`| the app alone (\`node .build/main.js\`), nothing changed | ${app.wallSeconds.toFixed(2)} |`);
  log(`| \`cdk8s synth\` launched as its own bin (loads jsii-pacmak, jsii-rosetta, typescript for init/import), app included | ${plainCli.wallSeconds.toFixed(2)} |`);
  log('');

  log(`## Synthetic meshes (20 global services, 20 cross-cluster policies each), the synth app alone (\`node .build/main.js\`), in ${BENCH_DIR}\n`);
  log('Fresh: no dist/ and no render cache.');
  log("The machine's speed drifts between runs; the wall time over the stock template's of the same run (above) moves far less than seconds do.\n");
  log('| clusters | peer entries | wall s | CPU s | peak RSS MiB | files | output MiB | wall / stock template |');
  log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const threads = availableParallelism();
  const floorRows: string[] = [];
  let resynth: { clusters: number; dir: string; fresh: Measurement; unchanged: Measurement } | undefined;
  for (const clusters of SIZES) {
    const dir = project(syntheticInventory({ clusters, globalServices: 20, policies: 20 }));
    const runs = Array.from({ length: RUNS }, () => {
      rmSync(join(dir, 'dist'), { recursive: true, force: true });
      rmSync(join(dir, '.dist.cache'), { force: true });
      return synth(dir);
    });
    const m = best(runs);
    const files = readTree(join(dir, 'dist'));
    const bytes = files.reduce((sum, [, b]) => sum + b.length, 0);
    const floor = writeFloor(files, join(dir, 'floor'));
    const unchanged = best(Array.from({ length: RUNS }, () => synth(dir)));
    const scan = keyScanSeconds(files);
    const serialise = serialiseSeconds(files);
    const checks = unchanged.wallSeconds + scan / threads + floor;
    log(
      `| ${clusters} | ${clusters * (clusters - 1)} | ${m.wallSeconds.toFixed(2)} | ${m.cpuSeconds.toFixed(2)} | ${m.peakRssMiB.toFixed(0)} | ${files.length} | ${(bytes / 1048576).toFixed(1)} | ` +
        `${(m.wallSeconds / stockRun.wallSeconds).toFixed(2)} |`,
    );
    floorRows.push(
      `| ${clusters} | ${floor.toFixed(2)} | ${(m.wallSeconds / floor).toFixed(1)} | ${Math.round((100 * serialise.bytes) / bytes)} | ${serialise.seconds.toFixed(2)} | ` +
        `${(serialise.seconds / threads / floor).toFixed(1)} | ${unchanged.wallSeconds.toFixed(2)} | ${scan.toFixed(2)} | ${(checks / floor).toFixed(1)} | ${(m.wallSeconds / checks).toFixed(1)} |`,
    );
    if (clusters <= RESYNTH_SIZE && (!resynth || clusters > resynth.clusters)) {
      if (resynth) rmSync(resynth.dir, { recursive: true, force: true });
      resynth = { clusters, dir, fresh: m, unchanged };
    } else rmSync(dir, { recursive: true, force: true });
  }
  log('\nTargets (2 cores): 255 clusters in at most 2 s, 511 in at most 4 s, at most 500 MiB peak.\n');

  log('### Against the write floor\n');
  log('Write floor: the same files written from memory, one write per file, in the same folder. The serialiser: the YAML manifests');
  log(`written again from their objects by the synth's writer, in one thread (a synth spreads it over its ${threads} render threads).`);
  log('Besides rendering and writing, every synth reads and checks the inventory and scans every byte it writes for keys in clear:');
  log('the first is measured as the synth run again with nothing changed (start, load, validate, fingerprint, read the render cache and');
  log('check the output is as recorded; nothing rendered or written), the second in one thread. Their sum with the write floor');
  log('(checks = nothing-changed synth + key scan / threads + write floor) is about what a fresh synth costs before it renders anything.\n');
  log('| clusters | write floor s | wall / floor | manifests, % of output | serialiser s | serialiser / threads / floor | nothing-changed synth s | key scan s | checks / floor | wall / checks |');
  log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of floorRows) log(row);
  log('\nA fresh synth within 3× the write floor is out of reach while every synth checks its input and scans its output for keys in');
  log('clear: that work alone is several times the floor (checks / floor). The serialiser itself is measured against the floor.\n');

  if (resynth) {
    // Nothing changed: measured with the table above, on the same project.
    const { clusters, dir, fresh, unchanged } = resynth;
    log(`## Re-synth at ${clusters} clusters, with the render cache of the previous run\n`);
    log('| what | wall s | CPU s | peak RSS MiB | / fresh synth |');
    log('| --- | ---: | ---: | ---: | ---: |');
    // Each run changes the first cluster's Helm values to a value it did not have.
    const clusterFile = join(dir, 'clusters', 'c001.yaml');
    const original = readFileSync(clusterFile, 'utf8');
    const oneChange = best(
      Array.from({ length: RUNS }, (_, i) => {
        writeFileSync(clusterFile, `${original}helmValues:\n  hubble:\n    relay:\n      replicas: ${i + 2}\n`);
        return synth(dir);
      }),
    );
    const row = (what: string, m: Measurement) => log(`| ${what} | ${m.wallSeconds.toFixed(2)} | ${m.cpuSeconds.toFixed(2)} | ${m.peakRssMiB.toFixed(0)} | ${(m.wallSeconds / fresh.wallSeconds).toFixed(2)} |`);
    row('nothing changed (renders and writes nothing)', unchanged);
    row("one cluster's Helm values changed (renders that cluster, writes 2 files)", oneChange);
    log('\nTargets: nothing changed at most 0.5 s, one change at most 1.5 s.');
    rmSync(dir, { recursive: true, force: true });
  }
  if (!process.env.BENCH_SIZES) writeFileSync(join(ROOT, 'BENCHMARKS.md'), `${lines.join('\n')}\n`);
}

main();
