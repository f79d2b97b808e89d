/**
 * The k3s releases this product can bootstrap. The Cilium HelmChart reads the
 * mesh CA from a Secret through `spec.valuesSecrets`, which k3s's bundled
 * helm-controller understands from v0.16.7 on; k3s first shipped such a
 * helm-controller in the April 2025 patch releases (release notes of each
 * line): an older k3s installs Cilium without the CA, and the mesh never forms.
 */

/** A k3s release tag, as the installer's INSTALL_K3S_VERSION takes it: v1.33.5+k3s1. */
const K3S_VERSION = /^v1\.(\d+)\.(\d+)\+k3s(\d+)$/;

/** Per minor line, the first release with valuesSecrets; lines before 1.30 never got it, lines after 1.34 all have it. */
const FIRST_WITH_VALUES_SECRETS: Readonly<Record<number, readonly [patch: number, build: number]>> = {
  30: [12, 1],
  31: [8, 1],
  32: [4, 1],
  33: [0, 1],
  34: [1, 1],
};

/** Why a k3s version cannot be used, or undefined when it can. */
export function k3sVersionProblem(version: string): string | undefined {
  const match = K3S_VERSION.exec(version);
  if (!match) return `is not a k3s release tag such as v1.33.5+k3s1`;
  const [minor, patch, build] = match.slice(1).map(Number);
  if (minor < 30) return `is too old: no k3s 1.${minor} release bundles a helm-controller that reads HelmChart valuesSecrets, where the Cilium chart gets the mesh CA`;
  const first = FIRST_WITH_VALUES_SECRETS[minor];
  if (first && (patch < first[0] || (patch === first[0] && build < first[1]))) {
    return `is too old: its helm-controller ignores HelmChart valuesSecrets, where the Cilium chart gets the mesh CA; the first 1.${minor} release with it is v1.${minor}.${first[0]}+k3s${first[1]}`;
  }
  return undefined;
}
