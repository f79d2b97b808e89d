/**
 * `mesh impact` and the suites read YAML data with js-yaml (lib/impact/yaml-documents.ts, through
 * test/support/yaml-data.ts), the inventory loader and the YAML writer's tests with `yaml`: on every
 * file the mesh under test renders (each case of the matrix), its inventory, and the packaged
 * chart's output for one of its clusters, both give the same data.
 */
import { parseAllDocuments } from 'yaml';
import { chartArchive, missingHelm, renderCiliumChartText } from '../support/helm';
import { describeWithShared } from '../support/paths';
import { yamlDocuments } from '../support/yaml-data';
import { clusterObjects, MATRIX, renderUnderTest } from './rendered';

function byYaml(text: string, path: string): unknown[] {
  return parseAllDocuments(text).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS();
  });
}

describe.each(MATRIX)('the tests read the YAML of %s', (_label, c) => {
  const r = renderUnderTest(c);

  it('as yaml reads it: every rendered file and every inventory file', () => {
    const files = [...r.files.filter((f) => f.path.endsWith('.yaml')).map((f): [string, string] => [f.path, f.content]), ...Object.entries(r.inventory)];
    expect(files.length).toBeGreaterThan(20);
    for (const [path, text] of files) expect([path, yamlDocuments(text, path)]).toEqual([path, byYaml(text, path)]);
  });
});

const [, newest] = MATRIX[MATRIX.length - 1];
describeWithShared('the tests read the chart output', [chartArchive(newest.version)], () => {
  it(`as yaml reads it (Cilium ${newest.version})`, async () => {
    const r = renderUnderTest(newest);
    const helmChart = clusterObjects(r, r.clusters[0], 'cilium-helm-chart.yaml')[0] as { spec: { targetNamespace: string; valuesContent: string } };
    const text = await renderCiliumChartText(newest.version, helmChart.spec.targetNamespace, [helmChart.spec.valuesContent]);
    const documents = yamlDocuments(text, 'helm template');
    expect(documents.length).toBeGreaterThan(30);
    expect(documents).toEqual(byYaml(text, 'helm template'));
  });
}, missingHelm());
