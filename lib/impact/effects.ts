/**
 * What a change does to a running cluster, from harmless to disruptive. The
 * order is the order of severity: a cluster's effect is the worst of its changes.
 */
export const EFFECTS = ['none', 'live', 'restart', 'may-roll', 'rolls', 'disruptive'] as const;
export type Effect = (typeof EFFECTS)[number];

/** One line per effect, for the report's legend. */
export const EFFECT_MEANING: Readonly<Record<Effect, string>> = {
  none: 'nothing changes in the running cluster',
  live: 'applied and picked up without restarting pods',
  restart: 'applied, but read only when the pods start: takes effect at their next restart (nothing rolls them)',
  'may-roll': 'may roll pods: the Cilium chart could not be rendered to tell',
  rolls: 'pods of the named workloads are replaced (a rolling update)',
  disruptive: 'breaks cross-cluster traffic or running pods until every cluster has caught up',
};

export const worstOf = (effects: Iterable<Effect>): Effect => {
  let worst: Effect = 'none';
  for (const e of effects) if (EFFECTS.indexOf(e) > EFFECTS.indexOf(worst)) worst = e;
  return worst;
};

/** What `--fail-on` takes, and the effects each matches (may-roll counts as rolling: it cannot be ruled out). */
export const FAIL_ON: Readonly<Record<string, readonly Effect[]>> = {
  disruptive: ['disruptive'],
  rolls: ['may-roll', 'rolls', 'disruptive'],
  restart: ['restart', 'may-roll', 'rolls', 'disruptive'],
};
