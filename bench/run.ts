/**
 * `npm run bench`: synth time, CPU, peak memory and output size for synthetic
 * meshes of 3 to 511 clusters, the example through `npm run synth`, and the
 * stock cdk8s TypeScript template synthesising one Deployment, side by side.
 * Results go to stdout and BENCHMARKS.md.
 */
import { execFileSync, spawnSync } from 'child_process';
import { cpus } from 'os';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
import { syntheticInventory } from './synthetic-inventory';

const ROOT = resolve(__dirname, '..');
const SIZES = (process.env.BENCH_SIZES ?? '3,32,128,255,511').split(',').map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TIME = '/usr/bin/time';

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

function treeSize(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const sub = treeSize(path);
      files += sub.files;
      bytes += sub.bytes;
    } else {
      files++;
      bytes += statSync(path).size;
    }
  }
  return { files, bytes };
}

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-bench-'));
  mkdirSync(join(dir, 'clusters'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'clusters', name), text);
  return dir;
}

/** The stock `cdk8s init typescript-app` project with one Deployment, run the way the template runs it. */
function stockTemplate(): string {
  const template = join(ROOT, 'node_modules', 'cdk8s-cli', 'templates', 'typescript-app');
  const dir = mkdtempSync(join(tmpdir(), 'cdk8s-stock-'));
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
  const app = best(Array.from({ length: RUNS }, () => measure('node', ['--enable-source-maps', join(ROOT, '.build', 'main.js')], ROOT)));
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
  log(`| the app alone (\`node --enable-source-maps .build/main.js\`) | ${app.wallSeconds.toFixed(2)} |`);
  log(`| \`cdk8s synth\` launched as its own bin (loads jsii-pacmak, jsii-rosetta, typescript for init/import), app included | ${plainCli.wallSeconds.toFixed(2)} |`);
  log('');

  log('## Synthetic meshes (20 global services, 20 cross-cluster policies each), the synth app alone\n');
  log('| clusters | peer entries | wall s | CPU s | peak RSS MiB | files | output MiB | µs per output KiB |');
  log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const clusters of SIZES) {
    const dir = project(syntheticInventory({ clusters, globalServices: 20, policies: 20 }));
    const runs = Array.from({ length: RUNS }, () => {
      rmSync(join(dir, 'dist'), { recursive: true, force: true });
      return measure('node', [join(ROOT, '.build', 'main.js')], dir);
    });
    const m = best(runs);
    const size = treeSize(join(dir, 'dist'));
    const perKiB = (m.wallSeconds * 1e6) / (size.bytes / 1024);
    log(`| ${clusters} | ${clusters * (clusters - 1)} | ${m.wallSeconds.toFixed(2)} | ${m.cpuSeconds.toFixed(2)} | ${m.peakRssMiB.toFixed(0)} | ${size.files} | ${(size.bytes / 1048576).toFixed(1)} | ${perKiB.toFixed(1)} |`);
    rmSync(dir, { recursive: true, force: true });
  }
  log('\nTargets: 255 clusters in at most 5 s and 1 GiB peak RSS; 511 clusters in at most 15 s; cost growing no faster than the output (last column roughly flat).');
  if (!process.env.BENCH_SIZES) writeFileSync(join(ROOT, 'BENCHMARKS.md'), `${lines.join('\n')}\n`);
}

main();
