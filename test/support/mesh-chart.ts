/**
 * A chart for construct tests made as the renderer makes its charts: the
 * product's labels on every object (lib/mesh-manifests.ts), plus what a test adds
 * (Cilium's namespace, for the constructs that take theirs from the chart).
 */
import { App, Chart, ChartProps } from 'cdk8s';
import { CHART_PROPS } from '../../lib/mesh-manifests';

/**
 * Where a test app would write if it were synthesised: a path no folder can be made at, so a synth
 * by mistake fails instead of writing. Tests read charts in memory (Testing.synth); cdk8s's
 * Testing.app makes a temporary folder at each call and leaves it behind.
 */
const NO_OUTPUT_FOLDER = '/dev/null/cdk8s.out';

/** An app for charts that tests read in memory only. */
export function testApp(): App {
  return new App({ outdir: NO_OUTPUT_FOLDER });
}

export function meshChart(props: ChartProps = {}): Chart {
  return new Chart(testApp(), 'test', { ...CHART_PROPS, ...props });
}

/** A chart without the product's labels (cdk8s's Testing.chart, without its temporary folder). */
export function plainChart(): Chart {
  return new Chart(testApp(), 'test');
}
