/**
 * The Cilium values inside every HelmChart (dist/<cluster>/ and the bootstrap
 * copy) pass the chart's own values.schema.json for the chart version the
 * HelmChart pins, and use none of the values the chart refuses. The schema
 * accepts unknown keys, so removed keys are checked here by hand.
 */
import { parse } from 'yaml';
import { describeWithShared } from '../support/paths';
import { validateCiliumValues } from '../support/schema-validator';
import { MATRIX, objectsIn, renderUnderTest } from './rendered';

/** Dotted paths the supported charts fail on (templates/validate.yaml), or that carry key material. */
const REMOVED_OR_REFUSED = [
  'tunnel',
  'etcd.managed',
  'containerRuntime.integration',
  ...['server', 'admin', 'remote'].flatMap((cert) => [`clustermesh.apiserver.tls.${cert}.cert`, `clustermesh.apiserver.tls.${cert}.key`]),
  // The mesh CA comes from valuesSecrets; a key in valuesContent would sit in git in clear text.
  'tls.ca.key',
  'tls.ca.cert',
];

function valueAt(values: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), values);
}

describeWithShared(
  'Cilium Helm values',
  [...new Set(MATRIX.map(([, c]) => `cilium/${c.version}/values.schema.json`))],
  () => {
    describe.each(MATRIX)('Cilium %s', (_label, c) => {
      const { files, clusters } = renderUnderTest(c);
      const charts = files
        .filter((f) => f.path.endsWith('cilium-helm-chart.yaml'))
        .flatMap((f) => objectsIn(f.content, f.path).map((o) => ({ path: f.path, spec: o.spec as { version: unknown; valuesContent: string } })));

      it('renders a HelmChart per cluster and its bootstrap copy', () => {
        expect(charts.map((chart) => chart.path).sort()).toEqual(clusters.flatMap((n) => [`${n}/02-cilium/cilium-helm-chart.yaml`, `${n}/bootstrap/cilium-helm-chart.yaml`]));
      });

      it.each(charts.map((chart) => [chart.path, chart.spec]))('%s: values pass the chart schema of spec.version', (_path, spec) => {
        expect(spec.version).toBe(c.version);
        // Helm removes a key set to null before it checks the schema (it drops the chart default).
        const values = withoutNulls(parse(spec.valuesContent));
        expect(validateCiliumValues(String(spec.version), values).errors).toEqual([]);
      });

      it.each(charts.map((chart) => [chart.path, chart.spec]))('%s: no removed or refused value', (_path, spec) => {
        const values = parse(spec.valuesContent);
        const present = REMOVED_OR_REFUSED.filter((path) => valueAt(values, path) !== undefined);
        expect(present).toEqual([]);
        const kpr = valueAt(values, 'kubeProxyReplacement');
        if (kpr !== undefined) expect([true, false]).toContain(kpr);
      });
    });

    it('fails values of a chart version without a schema, rather than passing them', () => {
      expect(validateCiliumValues('1.17.0', {}).errors.join('\n')).toMatch(/no values schema for Cilium 1.17.0/);
    });

    it('rejects values of the wrong type', () => {
      expect(validateCiliumValues('1.19.6', { cluster: { id: 'one' } }).errors.join('\n')).toMatch(/\/cluster\/id must be integer/);
    });
  },
);

/** The values as Helm checks them against the schema: keys set to null are removed. */
function withoutNulls(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]));
}
