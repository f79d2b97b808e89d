/**
 * The rollout impact as Markdown for a pull-request comment: the worst effect
 * first, then one table per cluster that changes (object, change, effect, why).
 */
import { EFFECT_MEANING, Effect, EFFECTS } from './effects';
import { ClusterImpact, ImpactReport, ObjectChange } from './impact';

/** Starts the comment, so CI can find and update its own earlier comment. */
export const IMPACT_MARKER = '<!-- k3s-cilium-mesh rollout impact -->';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function effectLabel(effect: Effect, workloads: readonly string[] = []): string {
  const base = effect === 'disruptive' ? '**disruptive**' : effect === 'may-roll' ? 'may roll pods' : effect === 'rolls' ? 'rolls pods' : effect === 'restart' ? 'needs a restart' : effect;
  return workloads.length > 0 ? `${base}: ${workloads.map((w) => `\`${w}\``).join(', ')}` : base;
}

function table(changes: readonly ObjectChange[]): string[] {
  return [
    '| object | change | effect | why |',
    '| --- | --- | --- | --- |',
    ...changes.map((c) => `| \`${cell(c.object)}\` | ${c.change} | ${effectLabel(c.effect, c.workloads)} | ${cell(c.why)} |`),
  ];
}

function clusterSection(c: ClusterImpact): string[] {
  const title = c.status === 'renamed' ? `${c.cluster} (renamed from ${c.renamedFrom})` : c.cluster;
  const lines = [`### ${title}: ${c.status}, ${effectLabel(c.effect)}`, ''];
  if (c.note) lines.push(c.note, '');
  if (c.changes.length > 0) lines.push(...table(c.changes), '');
  return lines;
}

export function impactMarkdown(report: ImpactReport): string {
  const changed = report.clusters.filter((c) => c.status !== 'unchanged');
  const counts = EFFECTS.map((e) => [e, report.clusters.flatMap((c) => c.changes).filter((x) => x.effect === e).length] as const).filter(([, n]) => n > 0);
  const lines = [
    IMPACT_MARKER,
    `## Rollout impact against \`${report.base.ref}\` (${report.base.commit.slice(0, 12)})`,
    '',
    changed.length === 0 && report.meshWide.length === 0
      ? 'No cluster receives anything new.'
      : `Worst effect: **${effectLabel(report.effect).replace(/\*\*/g, '')}** (${EFFECT_MEANING[report.effect]}). ${changed.length} of ${report.clusters.length} clusters change${counts.length > 0 ? `; object changes: ${counts.map(([e, n]) => `${n} ${e}`).join(', ')}` : ''}.`,
    '',
    ...changed.flatMap(clusterSection),
  ];
  if (report.meshWide.length > 0) lines.push('### Mesh-wide files', '', ...table(report.meshWide), '');
  const unchanged = report.clusters.filter((c) => c.status === 'unchanged').map((c) => c.cluster);
  if (unchanged.length > 0) lines.push(`Unchanged: ${unchanged.join(', ')}.`, '');
  lines.push('<details><summary>Effects</summary>', '', ...EFFECTS.map((e) => `- ${effectLabel(e)}: ${EFFECT_MEANING[e]}`), '', '</details>', '');
  return lines.join('\n');
}
