/**
 * cilium.encryption and cilium.hubble in the mesh file: read into the model,
 * refused where Cilium would break (with field, line and fix), and rendered into
 * the Helm values of every cluster alike.
 */
import { stringify } from 'yaml';
import { ciliumHelmValues } from '../../lib/cilium/helm-values';
import { editFile, exampleInventory, exampleSecrets, InventoryFiles, loadFiles } from '../support/inventory-fixture';
import { expectNoErrors, expectProblem, expectProblems, lineOf, lineOfAfter } from './expect-problem';

const example = exampleInventory();

function withCilium(files: InventoryFiles, settings: Record<string, unknown>): InventoryFiles {
  return editFile(files, 'mesh.yaml', (m) => Object.assign(m.cilium, settings));
}

describe('cilium.encryption', () => {
  it('wireguard is set in every cluster alike', () => {
    const result = loadFiles(withCilium(example, { encryption: { type: 'wireguard' } }));
    expectNoErrors(result);
    const mesh = result.mesh!;
    expect(mesh.cilium.encryption).toEqual({ type: 'wireguard', nodeEncryption: false });
    const values = mesh.clusters.map((c) => ciliumHelmValues(mesh, c, exampleSecrets()).encryption);
    expect(values).toEqual(mesh.clusters.map(() => ({ enabled: true, type: 'wireguard', nodeEncryption: false })));
  });

  it('none (the default) turns encryption off explicitly', () => {
    const mesh = loadFiles(example).mesh!;
    expect(mesh.cilium.encryption).toEqual({ type: 'none' });
    expect(ciliumHelmValues(mesh, mesh.clusters[0], exampleSecrets()).encryption).toEqual({ enabled: false });
  });

  it('refuses nodeEncryption without wireguard', () => {
    const files = withCilium(example, { encryption: { type: 'none', nodeEncryption: true } });
    expectProblem(loadFiles(files), {
      file: 'clusters/mesh.yaml',
      field: 'cilium.encryption.nodeEncryption',
      line: lineOf(files['mesh.yaml'], 'nodeEncryption:'),
      message: /encryption\.type is none/,
      fix: /set encryption\.type: wireguard/,
    });
  });

  it('refuses IPsec, naming the choices', () => {
    const files = withCilium(example, { encryption: { type: 'ipsec' } });
    expectProblem(loadFiles(files), {
      file: 'clusters/mesh.yaml',
      field: 'cilium.encryption.type',
      line: lineOfAfter(files['mesh.yaml'], 'encryption:', /^\s+type:/),
      message: /./,
      fix: /none.*wireguard|wireguard.*none/,
    });
  });

  it('warns, per cluster, where node encryption leaves every node out: k3s servers are control-plane nodes', () => {
    const withAgent = editFile(example, 'k3scl2.yaml', (c) => c.nodes.push({ name: 'k3scl2-agent', ip: '172.17.12.20', role: 'agent' }));
    const files = withCilium(withAgent, { encryption: { type: 'wireguard', nodeEncryption: true } });
    const result = loadFiles(files);
    const warnings = expectProblems(
      result,
      ['k3scl1', 'k3scl3'].map((name) => ({
        severity: 'warning' as const,
        file: `clusters/${name}.yaml`,
        field: 'nodes',
        line: lineOf(files[`${name}.yaml`], 'nodes:'),
        message: /only k3s servers, which Cilium leaves out of node-to-node encryption/,
        fix: /agent nodes|nodeEncryption: false/,
      })),
    );
    expect(warnings).toHaveLength(2);
    // k3scl2 has an agent, whose host traffic is encrypted: no word about it.
    expect(result.problems.filter((p) => p.file === 'clusters/k3scl2.yaml')).toEqual([]);
    expect(result.mesh!.clusters.map((c) => ciliumHelmValues(result.mesh!, c, exampleSecrets()).encryption)).toEqual(
      result.mesh!.clusters.map(() => ({ enabled: true, type: 'wireguard', nodeEncryption: true })),
    );
  });
});

describe('cilium.hubble', () => {
  it('relay and ui are rendered with TLS from certgen, which reuses the mesh CA', () => {
    const result = loadFiles(withCilium(example, { hubble: { relay: true, ui: true } }));
    expectNoErrors(result);
    const mesh = result.mesh!;
    for (const cluster of mesh.clusters) {
      const values = ciliumHelmValues(mesh, cluster, exampleSecrets());
      expect(values.hubble).toEqual({
        enabled: true,
        tls: { enabled: true, auto: { enabled: true, method: 'cronJob' } },
        relay: { enabled: true, tls: { server: { enabled: true } } },
        ui: { enabled: true },
      });
      expect((values.certgen as any).generateCA).toBe(false);
    }
  });

  it('the defaults: Hubble on in every agent, no Relay, no UI', () => {
    const mesh = loadFiles(example).mesh!;
    expect(mesh.cilium.hubble).toEqual({ enabled: true, relay: false, ui: false });
    expect(ciliumHelmValues(mesh, mesh.clusters[0], exampleSecrets()).hubble).toMatchObject({ enabled: true, relay: { enabled: false }, ui: { enabled: false } });
  });

  it('off turns Relay and UI off too', () => {
    const mesh = loadFiles(withCilium(example, { hubble: { enabled: false } })).mesh!;
    expect(ciliumHelmValues(mesh, mesh.clusters[0], exampleSecrets()).hubble).toEqual({ enabled: false, relay: { enabled: false }, ui: { enabled: false } });
    expect(ciliumHelmValues(mesh, mesh.clusters[0], exampleSecrets()).certgen).toBeUndefined();
  });

  it('refuses Relay without Hubble and the UI without Relay, both at once', () => {
    const relayOff = withCilium(example, { hubble: { enabled: false, relay: true } });
    expectProblem(loadFiles(relayOff), {
      file: 'clusters/mesh.yaml',
      field: 'cilium.hubble.relay',
      line: lineOfAfter(relayOff['mesh.yaml'], 'hubble:', /^\s+relay:/),
      message: /hubble\.enabled: false turns off/,
      fix: /set hubble\.enabled: true, or relay: false/,
    });
    const uiOnly = withCilium(example, { hubble: { ui: true } });
    expectProblem(loadFiles(uiOnly), {
      file: 'clusters/mesh.yaml',
      field: 'cilium.hubble.ui',
      line: lineOfAfter(uiOnly['mesh.yaml'], 'hubble:', /^\s+ui:/),
      message: /reads its flows from Hubble Relay, which is off/,
      fix: /set hubble\.relay: true/,
    });
  });

  it('the certgen pods carry the mesh CA fingerprint, so a new CA re-issues the certificates', () => {
    const mesh = loadFiles(example).mesh!;
    const fingerprint = exampleSecrets().issuerFingerprintSha256!;
    const labels = (ciliumHelmValues(mesh, mesh.clusters[0], exampleSecrets()).certgen as any).podLabels;
    expect(Object.values(labels)).toEqual([fingerprint.replace(/:/g, '').toLowerCase().slice(0, 32)]);
    expect(stringify(labels)).toMatch(/^[a-z0-9.-]+\/[a-z-]+: [0-9a-f]{32}\n$/);
  });
});
