/**
 * Where tests find the project and the shared upstream material (../shared).
 */
import { existsSync } from 'fs';
import { join, resolve } from 'path';

export const PROJECT_ROOT = resolve(__dirname, '..', '..');
export const SHARED_DIR = resolve(PROJECT_ROOT, '..', 'shared');

/**
 * The product's own example mesh (clusters/ and its demo CA in secrets/), a copy
 * of the bundled example that tests own: a user replaces the project's clusters/
 * with their mesh, and `npm test` must not notice.
 */
export const EXAMPLE_MESH_DIR = join(PROJECT_ROOT, 'test', 'fixtures', 'example-mesh');

/**
 * `describe` for tests that need files from ../shared. Where they are missing
 * (a user's clone) the tests are skipped with a message naming what is missing;
 * under CI=true a missing file fails the run instead.
 */
export function describeWithShared(name: string, needs: readonly string[], fn: () => void): void {
  const missing = needs.filter((rel) => !existsSync(join(SHARED_DIR, rel)));
  if (missing.length === 0) {
    describe(name, fn);
    return;
  }
  const message = `needs ${missing.map((m) => join('..', 'shared', m)).join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} missing`;
  if (process.env.CI === 'true') {
    describe(name, () => {
      it('has the shared upstream material it needs', () => {
        throw new Error(message);
      });
    });
    return;
  }
  // eslint-disable-next-line no-console
  console.warn(`skipped "${name}": ${message}`);
  describe.skip(name, fn);
}
