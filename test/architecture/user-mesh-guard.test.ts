/**
 * The guard every test file runs first (test/support/user-mesh-guard.js): a product test that touches
 * the user's own clusters/, secrets/ or dist/ fails at once, and the guard wraps `fs` once per
 * process however many test files a worker runs.
 */
import * as fs from 'fs';
import { join } from 'path';
import { PROJECT_ROOT } from '../support/paths';

const GUARD = join(PROJECT_ROOT, 'test', 'support', 'user-mesh-guard.js');

describe("the guard of the user's own mesh", () => {
  it.each(['clusters', 'secrets', 'dist'])('fails a test that reads %s/ of the project, however the path is written', (folder) => {
    expect(() => fs.readdirSync(join(PROJECT_ROOT, folder))).toThrow(/the user's own mesh/);
    expect(() => fs.existsSync(`${PROJECT_ROOT}/test/../${folder}/x.yaml`)).toThrow(/the user's own mesh/);
    expect(() => fs.statSync(join('/tmp', '..', PROJECT_ROOT, folder))).toThrow(/the user's own mesh/);
  });

  it('lets everything else through', () => {
    expect(fs.existsSync(join(PROJECT_ROOT, 'test', 'fixtures', 'example-mesh'))).toBe(true);
    expect(fs.existsSync('/nonexistent/clusters')).toBe(false);
  });

  it('wraps fs once, however often it runs', () => {
    const wrapped = fs.readFileSync;
    jest.isolateModules(() => require(GUARD));
    jest.isolateModules(() => require(GUARD));
    expect(fs.readFileSync).toBe(wrapped);
  });
});
