/**
 * A project in a temporary git repository whose first commit holds the example
 * fixture's inventory and the dist/ synthesised from it: the base revision
 * that the rollout impact and the guard rails compare the working tree with.
 */
import { execFileSync } from 'child_process';
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { stringify, parse } from 'yaml';
import { synthMesh } from '../../lib/synth/synth-mesh';
import { exampleInventory, tempProject } from './inventory-fixture';

export interface GitProject {
  readonly root: string;
  /** git in the project, with a fixed identity; returns stdout. */
  git(...args: string[]): string;
  /** Edits an inventory file in the working tree (parsed YAML, changed in place). */
  edit(file: string, change: (data: any) => void): void;
  /** Back to the base commit: the working tree as committed, nothing untracked. */
  reset(): void;
  readonly cleanup: () => void;
}

export function committedProject(extraIgnores: readonly string[] = []): GitProject {
  const project = tempProject(exampleInventory());
  const root = project.root;
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd: root, encoding: 'utf8' });
  writeFileSync(join(root, '.gitignore'), ['.build/', '.cdk8s.out/', ...extraIgnores].join('\n') + '\n');
  const synth = synthMesh({ root });
  if (!synth.ok) throw new Error(`the fixture does not synthesise: ${synth.problems.map((p) => p.message).join('; ')}`);
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
  return {
    root,
    git,
    edit(file, change) {
      const path = join(root, 'clusters', file);
      const data = parse(readFileSync(path, 'utf8'));
      change(data);
      writeFileSync(path, stringify(data, { lineWidth: 0 }));
    },
    reset() {
      git('reset', '-q', '--hard', 'HEAD');
      git('clean', '-q', '-fd');
    },
    cleanup: project.cleanup,
  };
}
