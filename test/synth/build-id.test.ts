/**
 * The build id is the hash of the bundles, remembered while they stay the same
 * files, and new as soon as one is rewritten; a folder where nothing can be
 * remembered still gives the right id.
 */
import { createHash } from 'crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { buildIdOf } from '../../lib/synth/build-id';
import { installFsFaults } from '../support/fs-faults';

const hashOf = (files: string[]) => files.reduce((h, f) => h.update(readFileSync(f)), createHash('sha256')).digest('hex');

describe('buildIdOf', () => {
  let dir: string;
  let bundles: string[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mesh-build-id-'));
    bundles = [join(dir, 'main.js'), join(dir, 'render-worker.js')];
    writeFileSync(bundles[0], 'console.log("main");\n');
    writeFileSync(bundles[1], 'console.log("worker");\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is the hash of the bundles, remembered for the same files', () => {
    const id = buildIdOf(bundles);
    expect(id).toBe(hashOf(bundles));
    expect(JSON.parse(readFileSync(join(dir, 'build-id.json'), 'utf8')).id).toBe(id);
    expect(buildIdOf(bundles)).toBe(id);
  });

  it('changes when a bundle is rewritten, even to the same length', () => {
    const before = buildIdOf(bundles);
    writeFileSync(bundles[1], 'console.log("WORKER");\n');
    const after = buildIdOf(bundles);
    expect(after).not.toBe(before);
    expect(after).toBe(hashOf(bundles));
  });

  it('is not fooled by a remembered id for other stamps', () => {
    buildIdOf(bundles);
    const record = join(dir, 'build-id.json');
    writeFileSync(record, JSON.stringify({ ...JSON.parse(readFileSync(record, 'utf8')), id: 'forged' }));
    writeFileSync(bundles[0], 'console.log("main, rebuilt");\n');
    expect(buildIdOf(bundles)).toBe(hashOf(bundles));
  });

  it('hashes every time where nothing can be remembered', () => {
    const undo = installFsFaults([{ code: 'EROFS', ops: ['modify'], under: dir }]);
    try {
      expect(buildIdOf(bundles)).toBe(hashOf(bundles));
      expect(buildIdOf(bundles)).toBe(hashOf(bundles));
    } finally {
      undo();
    }
  });
});
