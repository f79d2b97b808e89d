/**
 * The k3s HelmChart that installs Cilium into one cluster.
 */
import { Construct } from 'constructs';
import { HelmChart } from '../../imports/helm.cattle.io';
import { HelmValues, MESH_CA_VALUES_KEY, MESH_CA_VALUES_SECRET } from '../cilium/helm-values';
import { CILIUM_HELM_REPO, CiliumVersion, isSupportedCiliumVersion } from '../model/cilium-versions';
import { KEEP_ANNOTATIONS } from './metadata';
import { toYaml } from '../output/yaml';

export interface CiliumHelmChartProps {
  /** Cilium chart version. */
  readonly version: CiliumVersion;
  /** Namespace Cilium is installed into; the HelmChart lives there too. */
  readonly namespace: string;
  /** Values for the chart (rendered into valuesContent). */
  readonly values: HelmValues;
}

export class CiliumHelmChart extends Construct {
  readonly helmChart: HelmChart;

  constructor(scope: Construct, id: string, props: CiliumHelmChartProps) {
    super(scope, id);
    if (!isSupportedCiliumVersion(props.version)) throw new Error(`unsupported Cilium version ${props.version}`);
    this.helmChart = new HelmChart(this, 'Resource', {
      // Never pruned: helm-controller would uninstall Cilium, the cluster's network.
      metadata: { name: 'cilium', namespace: props.namespace, annotations: { ...KEEP_ANNOTATIONS } },
      spec: {
        repo: CILIUM_HELM_REPO,
        chart: 'cilium',
        version: props.version,
        targetNamespace: props.namespace,
        // The CNI must install before any ordinary pod can start: run the helm job on the host network.
        bootstrap: true,
        valuesContent: toYaml(props.values),
        // The one mesh CA, kept out of valuesContent; the install waits until the Secret exists.
        valuesSecrets: [{ name: MESH_CA_VALUES_SECRET, keys: [MESH_CA_VALUES_KEY] }],
      },
    });
  }
}
