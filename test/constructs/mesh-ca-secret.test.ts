/**
 * MeshCaSecret and its place in each cluster: the SOPS ciphertext copied
 * verbatim (provider sops), or an ExternalSecret (provider external-secrets)
 * that writes the same Secret from a store, with no key material at all.
 */
import { meshChart } from '../support/mesh-chart';
import { parse } from 'yaml';
import { MESH_CA_VALUES_KEY, MESH_CA_VALUES_SECRET } from '../../lib/cilium/helm-values';
import { EXTERNAL_SECRET_VALUES_TEMPLATE, MeshCaSecret, sopsCaSecretText } from '../../lib/constructs/mesh-ca-secret';
import { manifestFile } from '../../lib/output/files';
import { renderMesh } from '../../lib/mesh-manifests';
import { caValuesText } from '../../lib/secrets/mesh-ca';
import { editFile, exampleInventory, meshOf, exampleSecrets } from '../support/inventory-fixture';
import { describeWithShared } from '../support/paths';
import { CRD_SCHEMA_DIR, validateKubeObject } from '../support/schema-validator';

const externalSecrets = () =>
  editFile(exampleInventory(), 'mesh.yaml', (m) => {
    m.secrets = { provider: 'external-secrets', externalSecrets: { storeRef: { name: 'vault', kind: 'ClusterSecretStore' }, remoteKey: 'platform/cilium-mesh-ca', refreshInterval: '30m' } };
  });

function externalSecretObject(): any {
  const mesh = meshOf(externalSecrets());
  if (mesh.secrets.provider !== 'external-secrets') throw new Error('expected external-secrets');
  const chart = meshChart();
  new MeshCaSecret(chart, 'mesh-ca', { namespace: 'kube-system', secrets: mesh.secrets });
  const objects = chart.toJson();
  expect(objects).toHaveLength(1);
  return objects[0];
}

describe('MeshCaSecret, provider external-secrets', () => {
  it('renders an ExternalSecret (external-secrets.io/v1) for Secret cilium-mesh-ca from the store and key of the inventory', () => {
    const o = externalSecretObject();
    expect(o).toMatchObject({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: MESH_CA_VALUES_SECRET, namespace: 'kube-system' },
      spec: {
        refreshInterval: '30m',
        secretStoreRef: { name: 'vault', kind: 'ClusterSecretStore' },
        target: { name: MESH_CA_VALUES_SECRET, creationPolicy: 'Owner', template: { engineVersion: 'v2', type: 'Opaque', data: { [MESH_CA_VALUES_KEY]: EXTERNAL_SECRET_VALUES_TEMPLATE } } },
        data: [
          { secretKey: 'tlsCrt', remoteRef: { key: 'platform/cilium-mesh-ca', property: 'tls.crt' } },
          { secretKey: 'tlsKey', remoteRef: { key: 'platform/cilium-mesh-ca', property: 'tls.key' } },
        ],
      },
    });
    expect(o).toMatchSnapshot();
  });

  it('templates values.yaml into exactly the Helm values the HelmChart expects', () => {
    // Evaluate the template's two placeholders the way sprig's b64enc does, and compare with what `ca init` writes.
    const material = { certPem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', keyPem: '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n' };
    const rendered = EXTERNAL_SECRET_VALUES_TEMPLATE.replace('{{ .tlsCrt | b64enc }}', Buffer.from(material.certPem).toString('base64')).replace('{{ .tlsKey | b64enc }}', Buffer.from(material.keyPem).toString('base64'));
    expect(rendered).toBe(caValuesText(material));
    expect(parse(rendered)).toEqual({ tls: { ca: { cert: expect.any(String), key: expect.any(String) } } });
  });

  it('puts no key material and no SOPS file in dist/', () => {
    const files = renderMesh(meshOf(externalSecrets()), exampleSecrets());
    const ca = files.filter((f) => f.path.endsWith(`/${manifestFile('mesh-ca-secret')}`));
    expect(ca).toHaveLength(3);
    for (const f of files) {
      expect(f.content).not.toMatch(/PRIVATE KEY|^sops:/m);
    }
    for (const f of ca) expect(parse(f.content).kind).toBe('ExternalSecret');
  });
});

describeWithShared('MeshCaSecret conforms to the ExternalSecret v1 CRD', [CRD_SCHEMA_DIR], () => {
  it('validates', () => {
    expect(validateKubeObject(externalSecretObject()).errors).toEqual([]);
  });
});

describe('the mesh CA Secret, provider sops', () => {
  const mesh = meshOf(exampleInventory());
  const files = renderMesh(mesh, exampleSecrets());

  it('is the committed ciphertext, as text, never re-encrypted', () => {
    if (mesh.secrets.provider !== 'sops') throw new Error('expected sops');
    const text = sopsCaSecretText(mesh.secrets, exampleSecrets());
    for (const c of mesh.clusters) expect(files.find((f) => f.path === `${c.name}/01-ca/${manifestFile('mesh-ca-secret')}`)?.content).toBe(text);
  });

  it('comes first: its stage is listed before the Cilium HelmChart that waits for it', () => {
    for (const c of mesh.clusters) {
      const resources: string[] = parse(files.find((f) => f.path === `${c.name}/kustomization.yaml`)!.content).resources;
      expect(resources[0]).toBe('01-ca');
      expect(parse(files.find((f) => f.path === `${c.name}/01-ca/kustomization.yaml`)!.content).resources).toEqual([manifestFile('mesh-ca-secret')]);
    }
  });

  it('refuses to render without the CA file text (not read with readCommittedSecrets)', () => {
    expect(() => sopsCaSecretText({ provider: 'sops', ageRecipients: ['age1x'], caFile: 'secrets/x.sops.yaml' }, {})).toThrow(/no text of the CA file secrets\/x.sops.yaml/);
  });
});
