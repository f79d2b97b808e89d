/**
 * A synth killed at any step of publishing leaves dist/ fully old or fully
 * new, as seen right after the kill. The real synth (the bundled app,
 * .build/main.js) runs on a 4-cluster inventory, alternating between two
 * versions of it whose outputs differ in almost every file (and in which files
 * exist). A first run counts the publishing steps (every call that changes
 * the tree beside dist/: folders and files of `.dist.next`, hard links, the
 * switch, the delete of the old tree); each trial then kills the synth with
 * SIGKILL right before one step (test/support/fs-faults.js): the first steps,
 * every step around the switch, evenly spaced steps of the write, and seeded
 * random ones (replay with KILL_TEST_SEED=<seed>). The number of trials is
 * fixed, so a slow machine makes the campaign slower, never weaker or flaky.
 * The two-rename fallback (no atomic exchange) stages exactly as the exchange
 * does, so its campaign kills around its switch and at a few random steps.
 * A mesh large enough for render workers is killed too, while its threads
 * write their clusters into the staging folder at once.
 */
import { spawn } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { syntheticInventory } from '../../bench/synthetic-inventory';
import { compareTrees } from '../../lib/synth/compare-trees';
import { exchangeFolders, publish, publishSiblings, recoverInterruptedPublish } from '../../lib/synth/publish';
import { faultEnv } from '../support/fs-faults';
import { PROJECT_ROOT } from '../support/paths';
import { itNeeding, toolRequirement } from '../support/skips';
import { seededRandom, treeDigest } from '../support/tree';

const MAIN = join(PROJECT_ROOT, '.build', 'main.js');
const SEED = Number(process.env.KILL_TEST_SEED ?? Math.floor(Math.random() * 2 ** 31));
const CLUSTERS = 4;
/** Generous: a trial is one synth of a small mesh; this bounds a hang, not the campaign's speed. */
const CAMPAIGN_TIMEOUT_MS = 600_000;

const OLD = syntheticInventory({ clusters: CLUSTERS, globalServices: 6, policies: 6, ciliumVersion: '1.19.6', kvstoremesh: true });
const NEW = syntheticInventory({ clusters: CLUSTERS, globalServices: 6, policies: 6, ciliumVersion: '1.20.0', kvstoremesh: false, nodesPerCluster: 2 });
/** Large enough for render workers (lib/synth/parallel-render.ts renders 48 clusters or more on every core). */
const WORKERS_OLD = syntheticInventory({ clusters: 48, globalServices: 2, policies: 2, ciliumVersion: '1.19.6' });
const WORKERS_NEW = syntheticInventory({ clusters: 48, globalServices: 2, policies: 2, ciliumVersion: '1.20.0' });

function writeInventory(root: string, files: Record<string, string>): void {
  rmSync(join(root, 'clusters'), { recursive: true, force: true });
  mkdirSync(join(root, 'clusters'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(root, 'clusters', name), text);
}

/** Runs the synth to its end (or to the kill its environment arranges); resolves with the exit code or signal. */
function runSynth(root: string, env: Record<string, string>): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const child = spawn(process.execPath, [MAIN], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stderr })));
}

async function synth(root: string, env: Record<string, string> = {}): Promise<void> {
  const { code, stderr } = await runSynth(root, env);
  if (code !== 0) throw new Error(`synth failed (${code}):\n${stderr}`);
}

/** The calls that change the tree beside dist/ while publishing. */
const publishingSteps = (root: string) => ({ ops: ['modify'], under: join(root, '.dist.next') });

interface Fixture {
  readonly root: string;
  readonly dist: string;
  readonly oldDigest: string;
  readonly newDigest: string;
  /** Publishing steps of a synth to the new version (from the old) and to the old (from the new). */
  readonly stepsToNew: number;
  readonly stepsToOld: number;
}

/** A synth to `files` that counts its publishing steps. */
async function countedSynth(root: string, files: Record<string, string>, env: Record<string, string>): Promise<number> {
  writeInventory(root, files);
  const log = join(tmpdir(), `mesh-kill-steps-${process.pid}-${Date.now()}.log`);
  try {
    await synth(root, { ...env, ...faultEnv([{ code: 'COUNT', ...publishingSteps(root), log }]) });
    return existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0;
  } finally {
    rmSync(log, { force: true });
  }
}

async function fixture(env: Record<string, string> = {}): Promise<Fixture> {
  const root = mkdtempSync(join(tmpdir(), 'mesh-kill-'));
  const dist = join(root, 'dist');
  writeInventory(root, OLD);
  await synth(root, env);
  const oldDigest = treeDigest(dist)!;
  const stepsToNew = await countedSynth(root, NEW, env);
  const newDigest = treeDigest(dist)!;
  const stepsToOld = await countedSynth(root, OLD, env);
  expect(treeDigest(dist)).toBe(oldDigest);
  expect(oldDigest).not.toBe(newDigest);
  return { root, dist, oldDigest, newDigest, stepsToNew, stepsToOld };
}

/** The steps to kill at: the first ones, the last ones (the switch and the delete), evenly spaced ones and seeded random ones. */
function stepsToKill(steps: number): number[] {
  const random = seededRandom(SEED + steps);
  const chosen = new Set<number>([0, 1]);
  for (let k = Math.max(0, steps - 4); k < steps; k++) chosen.add(k);
  for (let i = 1; i < 5; i++) chosen.add(Math.floor((steps * i) / 5));
  for (let i = 0; i < 4; i++) chosen.add(Math.floor(random() * steps));
  return [...chosen].filter((k) => k < steps).sort((a, b) => a - b);
}

/**
 * The steps to kill at where only the switch differs from a campaign already run (the two-rename
 * fallback stages its files exactly as the exchange does): the first step, the last ones (the links of
 * kept files, the renames and the delete) and two seeded random ones.
 */
function stepsAroundTheSwitch(steps: number): number[] {
  const random = seededRandom(SEED + steps + 1);
  const chosen = new Set<number>([0]);
  for (let k = Math.max(0, steps - 4); k < steps; k++) chosen.add(k);
  for (let i = 0; i < 2; i++) chosen.add(Math.floor(random() * steps));
  return [...chosen].filter((k) => k < steps).sort((a, b) => a - b);
}

interface Outcome {
  readonly step: number;
  readonly toNew: boolean;
  readonly result: 'old' | 'new' | 'intermediate';
}

/**
 * Kills a synth before each step `chooseSteps` picks, in both directions. Before each,
 * dist/ holds one version and the inventory says the other. `judge` looks at
 * the tree right after the kill; the half-built sibling the kill leaves is then
 * removed, as the next synth would, so every trial counts its steps from the
 * same start.
 */
async function killTrials(
  f: Fixture,
  env: Record<string, string>,
  judge: (before: string, target: string, label: string) => Outcome['result'],
  chooseSteps: (steps: number) => number[] = stepsToKill,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  // Each direction's steps, taken from whichever version dist/ holds now (a synth switches it when that queue is done).
  const queues = { toNew: chooseSteps(f.stepsToNew), toOld: chooseSteps(f.stepsToOld) };
  while (queues.toNew.length + queues.toOld.length > 0) {
    let toNew = treeDigest(f.dist) === f.oldDigest;
    if ((toNew ? queues.toNew : queues.toOld).length === 0) {
      writeInventory(f.root, toNew ? NEW : OLD);
      await synth(f.root, env);
      toNew = !toNew;
    }
    const step = (toNew ? queues.toNew : queues.toOld).shift()!;
    const before = treeDigest(f.dist)!;
    writeInventory(f.root, toNew ? NEW : OLD);
    const run = await runSynth(f.root, { ...env, ...faultEnv([{ code: 'KILL', ...publishingSteps(f.root), after: step }]) });
    const steps = toNew ? f.stepsToNew : f.stepsToOld;
    const label = `kill before publishing step ${step} of ${steps} to the ${toNew ? 'new' : 'old'} tree (seed ${SEED}, KILL_TEST_SEED)`;
    if (run.signal !== 'SIGKILL') throw new Error(`${label}: the synth was not killed (exit ${run.code}):\n${run.stderr}`);
    outcomes.push({ step, toNew, result: judge(before, toNew ? f.newDigest : f.oldDigest, label) });
    rmSync(publishSiblings(f.dist).next, { recursive: true, force: true });
    expect([f.oldDigest, f.newDigest]).toContain(treeDigest(f.dist));
  }
  return outcomes;
}

/** What a publish leaves beside dist/; the lock and the render cache (lib/synth/render-cache.ts) belong there. */
function siblings(root: string): string[] {
  return readdirSync(root).filter((n) => n.startsWith('.dist.') && n !== '.dist.lock' && n !== '.dist.cache');
}

const linuxWithExchange = (() => {
  const scratch = mkdtempSync(join(tmpdir(), 'mesh-exchange-'));
  try {
    mkdirSync(join(scratch, 'a'));
    mkdirSync(join(scratch, 'b'));
    writeFileSync(join(scratch, 'a', 'f'), 'a');
    return exchangeFolders(join(scratch, 'a'), join(scratch, 'b')) && existsSync(join(scratch, 'b', 'f'));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
})();

describe('a synth killed at a step of publishing', () => {
  if (process.platform === 'linux') {
    it('can exchange two folders atomically here (renameat2 through perl)', () => {
      expect(linuxWithExchange).toBe(true);
    });
  }

  itNeeding('a synth killed at a step of publishing', toolRequirement(linuxWithExchange, 'an atomic exchange of two folders (Linux renameat2)', 'run the tests on Linux'))(
    'leaves dist/ fully old or fully new, killed before any step',
    async () => {
      if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
      const f = await fixture();
      try {
        expect(Math.min(f.stepsToNew, f.stepsToOld)).toBeGreaterThan(50);
        const outcomes = await killTrials(f, {}, (before, target, label) => {
          const after = treeDigest(f.dist);
          if (after === before) return 'old';
          if (after === target) return 'new';
          throw new Error(`${label}: dist/ is neither the old nor the new tree (${after === undefined ? 'missing' : 'mixed'})`);
        });
        expect(outcomes.length).toBeGreaterThan(16);
        // Killed before the switch it is the old tree; killed before the delete of the old tree, the new one.
        expect(outcomes.some((o) => o.result === 'old')).toBe(true);
        expect(outcomes.filter((o) => o.step === (o.toNew ? f.stepsToNew : f.stepsToOld) - 1).map((o) => o.result)).toEqual(['new', 'new']);
        // A complete synth afterwards cleans whatever the kills left beside dist/.
        writeInventory(f.root, NEW);
        await synth(f.root);
        expect(treeDigest(f.dist)).toBe(f.newDigest);
        expect(siblings(f.root)).toEqual([]);
      } finally {
        rmSync(f.root, { recursive: true, force: true });
      }
    },
    CAMPAIGN_TIMEOUT_MS,
  );

  it(
    'with render workers (48 clusters), leaves dist/ fully old or fully new when killed while the threads write',
    async () => {
      // Every thread counts its own steps (the fault module loads in each), so the kill comes from
      // whichever thread reaches the step first: early, middle and late in the threads' writing.
      const root = mkdtempSync(join(tmpdir(), 'mesh-kill-workers-'));
      const dist = join(root, 'dist');
      const versions = [WORKERS_OLD, WORKERS_NEW];
      try {
        writeInventory(root, WORKERS_NEW);
        await synth(root);
        const newDigest = treeDigest(dist)!;
        writeInventory(root, WORKERS_OLD);
        await synth(root);
        const oldDigest = treeDigest(dist)!;
        expect(oldDigest).not.toBe(newDigest);
        const digests = [oldDigest, newDigest];
        for (const [trial, step] of [0, 7, 120, 400].entries()) {
          const target = (digests.indexOf(treeDigest(dist)!) + 1) % 2;
          writeInventory(root, versions[target]);
          const run = await runSynth(root, faultEnv([{ code: 'KILL', ...publishingSteps(root), after: step }]));
          if (run.signal !== 'SIGKILL') throw new Error(`trial ${trial}: the synth was not killed at step ${step} (exit ${run.code}):\n${run.stderr}`);
          expect(digests).toContain(treeDigest(dist));
          // The next synth removes what the kill left and finishes the change.
          await synth(root);
          expect(treeDigest(dist)).toBe(digests[target]);
          expect(siblings(root)).toEqual([]);
        }
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
    CAMPAIGN_TIMEOUT_MS,
  );

  it(
    'without the exchange (two renames), leaves the old tree, the new tree, or the old tree in .dist.previous that the next run puts back',
    async () => {
      const env = { MESH_PUBLISH_NO_EXCHANGE: '1' };
      const f = await fixture(env);
      try {
        const outcomes = await killTrials(f, env, (before, target, label) => {
          const after = treeDigest(f.dist);
          if (after === before) return 'old';
          if (after === target) return 'new';
          const { previous } = publishSiblings(f.dist);
          if (after === undefined && treeDigest(previous) === before) {
            recoverInterruptedPublish(f.dist);
            expect(treeDigest(f.dist)).toBe(before);
            return 'intermediate';
          }
          throw new Error(`${label}: dist/ is ${after === undefined ? 'missing without the old tree beside it' : 'a mixed tree'}`);
        }, stepsAroundTheSwitch);
        // The kill between the two renames is among the trials: the one intermediate state, put back.
        expect(outcomes.some((o) => o.result === 'intermediate')).toBe(true);
      } finally {
        rmSync(f.root, { recursive: true, force: true });
      }
    },
    CAMPAIGN_TIMEOUT_MS,
  );
});

describe('the intermediate state of the two-rename fallback', () => {
  function published(): { root: string; dist: string; digest: string } {
    const root = mkdtempSync(join(tmpdir(), 'mesh-recover-'));
    const dist = join(root, 'dist');
    publish(dist, [{ path: 'c1/a.yaml', content: 'a: 1\n' }, { path: 'c1/b.yaml', content: 'b: 1\n' }]);
    return { root, dist, digest: treeDigest(dist)! };
  }

  it('is put back by the next publish', () => {
    const { root, dist, digest } = published();
    try {
      renameSync(dist, publishSiblings(dist).previous); // killed between the two renames
      mkdirSync(publishSiblings(dist).next); // with the new tree half-built beside it
      recoverInterruptedPublish(dist);
      expect(treeDigest(dist)).toBe(digest);
      expect(siblings(root)).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('is put back before npm run check compares', () => {
    const { root, dist } = published();
    try {
      const fresh = join(root, 'fresh');
      publish(fresh, [{ path: 'c1/a.yaml', content: 'a: 1\n' }, { path: 'c1/b.yaml', content: 'b: 1\n' }]);
      renameSync(dist, publishSiblings(dist).previous);
      expect(compareTrees(fresh, dist)).toEqual([]);
      expect(siblings(root)).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('publish', () => {
  it('keeps the file (inode and modification time) of every unchanged file, rewrites changed ones, drops removed ones', () => {
    const root = mkdtempSync(join(tmpdir(), 'mesh-publish-'));
    try {
      const dist = join(root, 'dist');
      publish(dist, [
        { path: 'c1/same.yaml', content: 'same: 1\n' },
        { path: 'c1/changed.yaml', content: 'v: 1\n' },
        { path: 'c1/gone.yaml', content: 'gone: 1\n' },
      ]);
      const same = statSync(join(dist, 'c1/same.yaml'));
      const result = publish(dist, [
        { path: 'c1/same.yaml', content: 'same: 1\n' },
        { path: 'c1/changed.yaml', content: 'v: 2\n' },
        { path: 'c2/added.yaml', content: 'added: 1\n' },
      ]);
      expect(result).toEqual({ written: 2, unchanged: 1, removed: 1 });
      const after = statSync(join(dist, 'c1/same.yaml'));
      expect({ ino: after.ino, mtimeMs: after.mtimeMs }).toEqual({ ino: same.ino, mtimeMs: same.mtimeMs });
      expect(existsSync(join(dist, 'c1/gone.yaml'))).toBe(false);
      expect(siblings(root)).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
