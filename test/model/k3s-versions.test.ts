/**
 * Which k3s releases can bootstrap the mesh: those whose helm-controller reads
 * HelmChart valuesSecrets (the first of each line, per the k3s release notes).
 */
import { k3sVersionProblem } from '../../lib/model/k3s-versions';

describe('k3sVersionProblem', () => {
  it.each(['v1.30.12+k3s1', 'v1.30.12+k3s2', 'v1.31.8+k3s1', 'v1.32.4+k3s1', 'v1.33.0+k3s1', 'v1.34.1+k3s1', 'v1.34.2+k3s1', 'v1.35.0+k3s1'])('accepts %s', (v) => {
    expect(k3sVersionProblem(v)).toBeUndefined();
  });

  it.each([
    ['v1.30.11+k3s1', /first 1\.30 release with it is v1\.30\.12\+k3s1/],
    ['v1.31.7+k3s1', /first 1\.31 release with it is v1\.31\.8\+k3s1/],
    ['v1.32.3+k3s2', /first 1\.32 release with it is v1\.32\.4\+k3s1/],
    ['v1.29.15+k3s1', /no k3s 1\.29 release bundles a helm-controller that reads HelmChart valuesSecrets/],
    ['v1.28.15+k3s1', /too old/],
    ['1.34.2+k3s1', /not a k3s release tag/],
    ['v1.34.2', /not a k3s release tag/],
    ['latest', /not a k3s release tag/],
  ])('refuses %s, saying why', (v, why) => {
    expect(k3sVersionProblem(v)).toMatch(why);
  });
});
