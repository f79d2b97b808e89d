/**
 * Every rendered Kubernetes object conforms to the upstream schema of its kind:
 * core kinds to Kubernetes v1.32.2 (standalone-strict), custom resources to
 * their CRD schemas. Partial patches (ssa: Merge) are checked without
 * `required` and may carry nothing but metadata and pod hostAliases.
 */
import { describeWithShared } from '../support/paths';
import { CORE_SCHEMA_DIR, CRD_SCHEMA_DIR, goPatternToJs, isPartialPatch, KubeObject, schemaFileFor, validateKubeObject, withoutRequired } from '../support/schema-validator';
import { isApiObjectFile, MATRIX, minorOf, objectId, objectsIn, renderUnderTest } from './rendered';

describeWithShared('schema validator', [CORE_SCHEMA_DIR, CRD_SCHEMA_DIR], () => {
  it('maps apiVersion/kind to the kubeconform file names', () => {
    expect(schemaFileFor('v1', 'Service')).toBe(`${CORE_SCHEMA_DIR}/service-v1.json`);
    expect(schemaFileFor('apps/v1', 'Deployment')).toBe(`${CORE_SCHEMA_DIR}/deployment-apps-v1.json`);
    expect(schemaFileFor('networking.k8s.io/v1', 'NetworkPolicy')).toBe(`${CORE_SCHEMA_DIR}/networkpolicy-networking-v1.json`);
    expect(schemaFileFor('helm.cattle.io/v1', 'HelmChart')).toBe(`${CRD_SCHEMA_DIR}/helm.cattle.io/helmchart_v1.json`);
    expect(schemaFileFor('cilium.io/v2', 'CiliumNetworkPolicy')).toBe(`${CRD_SCHEMA_DIR}/cilium.io/ciliumnetworkpolicy_v2.json`);
  });

  it('fails an object of an unknown kind instead of skipping it', () => {
    const result = validateKubeObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } });
    expect(result.schema).toBeUndefined();
    expect(result.errors.join('\n')).toMatch(/no schema for example.com\/v1 Widget/);
  });

  it('rejects fields the strict core schemas do not know', () => {
    const result = validateKubeObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }], bogus: 1 } });
    expect(result.errors.join('\n')).toMatch(/additional properties \(bogus\)/);
  });

  it('validates a partial patch without required fields, but not a full object', () => {
    const patch: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', annotations: { 'kustomize.toolkit.fluxcd.io/ssa': 'Merge' } }, spec: { template: { spec: { hostAliases: [{ ip: '10.0.0.1' }] } } } };
    expect(validateKubeObject(patch).errors).toEqual([]);
    const full = { ...patch, metadata: { name: 'd' } };
    expect(validateKubeObject(full).errors.join('\n')).toMatch(/must have required property 'selector'/);
  });

  it('reads the Go regular expressions of the CRDs', () => {
    expect(goPatternToJs('^\\PC*$')).toBe('^\\P{C}*$');
    expect(goPatternToJs('^\\pL+\\\\p$')).toBe('^\\p{L}+\\\\p$');
    expect(goPatternToJs('^\\p{L}$')).toBe('^\\p{L}$');
  });

  it('drops the required keyword but keeps properties named "required"', () => {
    const schema = { required: ['a'], properties: { required: { type: 'boolean', required: ['x'] }, a: { items: { required: ['y'] } } } };
    expect(withoutRequired(schema)).toEqual({ properties: { required: { type: 'boolean' }, a: { items: {} } } });
    expect(schema.required).toEqual(['a']);
  });
});

describeWithShared('rendered objects conform to upstream schemas', [CORE_SCHEMA_DIR, CRD_SCHEMA_DIR], () => {
  describe.each(MATRIX)('Cilium %s', (_label, c) => {
    const r = renderUnderTest(c);
    const { files } = r;
    const apiFiles = files.filter((f) => isApiObjectFile(f.path));

    it('renders the bootstrap HelmChart and the GitOps entry points among the validated files', () => {
      expect(apiFiles.map((f) => f.path)).toEqual(expect.arrayContaining(r.clusters.flatMap((n) => [`${n}/bootstrap/cilium-helm-chart.yaml`, `${n}/02-cilium/cilium-helm-chart.yaml`])));
      // The ApplicationSet is validated here only (test/gitops/schemas.test.ts leaves it out).
      const { delivery } = r.mesh;
      if (delivery.repository && delivery.engines.includes('argocd')) expect(apiFiles.map((f) => f.path)).toContain('argocd/applicationset.yaml');
    });

    it.each(apiFiles.map((f) => [f.path, f.content]))('%s', (path, content) => {
      const objects = objectsIn(content, path);
      expect(objects.length).toBeGreaterThan(0);
      const problems = objects.flatMap((o) => validateKubeObject(o).errors.map((e) => `${objectId(o)}: ${e}`));
      expect(problems).toEqual([]);
    });

    it('has partial patches that carry only metadata and spec.template.spec.hostAliases', () => {
      const patches = apiFiles.flatMap((f) => objectsIn(f.content, f.path)).filter(isPartialPatch);
      for (const patch of patches) {
        expect({ id: objectId(patch), keys: Object.keys(patch).sort() }).toEqual({ id: objectId(patch), keys: ['apiVersion', 'kind', 'metadata', 'spec'] });
        expect(patch.spec).toEqual({ template: { spec: { hostAliases: expect.any(Array) } } });
      }
      // Before 1.20 every cluster has exactly one patch (the hostAliases); from 1.20 none.
      expect(patches.length).toBe(minorOf(c) >= 20 ? 0 : r.clusters.length);
    });
  });
});
