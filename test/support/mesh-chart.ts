/**
 * A chart for construct tests made as the renderer makes its charts: the
 * product's labels on every object (lib/mesh-manifests.ts), plus what a test adds
 * (Cilium's namespace, for the constructs that take theirs from the chart).
 */
import { Chart, ChartProps, Testing } from 'cdk8s';
import { CHART_PROPS } from '../../lib/mesh-manifests';

export function meshChart(props: ChartProps = {}): Chart {
  return new Chart(Testing.app(), 'test', { ...CHART_PROPS, ...props });
}
