/**
 * The committed secret files are read after the inventory, in a step of their
 * own (never decrypting): every problem in the usual format (file, field,
 * message, fix), and synth then writes nothing. The mesh model never holds them.
 */
import { readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { loadInventory } from '../../lib/inventory/load';
import { loadProject } from '../../lib/inventory/load-project';
import { Problem } from '../../lib/report/problems';
import { synthMesh } from '../../lib/synth/synth-mesh';
import { createMeshCa, encryptCaSecret, caSecretObject, inspectCertificate } from '../../lib/secrets/mesh-ca';
import { encryptYaml } from '../../lib/secrets/sops';
import { newAgeKey } from './sops/age-test-keys';
import { CA_FILE, CERT_FILE, DEMO_IDENTITY, notACa, tempProject } from './mesh-ca/support';
import { DEMO_AGE_RECIPIENT, DEMO_CA_FINGERPRINT_SHA256 } from '../../lib/secrets/demo-material';
import { identityToRecipient } from 'age-encryption';
import { EXAMPLE_MESH_DIR } from '../support/paths';

function load(edit?: (root: string) => void | Promise<void>, now?: Date) {
  const project = tempProject();
  return Promise.resolve(edit?.(project.root)).then(() => {
    try {
      return loadProject(join(project.root, 'clusters'), { displayRoot: project.root, now });
    } finally {
      project.cleanup();
    }
  });
}

/** The problems about a file, but the warning that the example's demo material is in use (tested on its own). */
const about = (problems: readonly Problem[], file: string) => problems.filter((p) => p.file === file && !isDemoWarning(p));
const isDemoWarning = (p: Problem) => p.severity === 'warning' && p.message.startsWith('uses the demo');
const DEMO_RECIPIENT = 'age1wu5ttwy9n73df5n94c6rlck92zpevvh3rvzpc8pj4dzz0ag2f9wqt7ey58';
const editMesh = (root: string, from: string | RegExp, to: string) => {
  const path = join(root, 'clusters', 'mesh.yaml');
  writeFileSync(path, readFileSync(path, 'utf8').replace(from, to));
};

describe('the loader and the mesh CA', () => {
  it('reads the example\'s ciphertext exactly as committed, beside the model and not in it', async () => {
    const result = await load();
    expect(result.problems.filter((p) => p.file.startsWith('secrets/') && !isDemoWarning(p))).toEqual([]);
    const text = readFileSync(join(EXAMPLE_MESH_DIR, CA_FILE), 'utf8');
    const cert = readFileSync(join(EXAMPLE_MESH_DIR, CERT_FILE), 'utf8');
    // No rotation: the clusters trust exactly the CA that issues.
    expect(result.secrets).toEqual({ meshCaText: text, trustBundlePem: cert, issuerFingerprintSha256: inspectCertificate(cert).fingerprintSha256, joinTokenFiles: {} });
    expect(JSON.stringify(result.mesh)).not.toContain('ENC[');
  });

  it('is a step after the inventory: loading the inventory alone reads no secret file', () => {
    const project = tempProject();
    try {
      // With secrets/ gone the inventory still loads; only the next step misses the CA.
      rmSync(join(project.root, 'secrets'), { recursive: true });
      const inventory = loadInventory(join(project.root, 'clusters'), { displayRoot: project.root });
      expect(inventory.mesh).toBeDefined();
      expect(inventory.problems.filter((p) => p.file.startsWith('secrets/'))).toEqual([]);
      const project2 = loadProject(join(project.root, 'clusters'), { displayRoot: project.root });
      expect(project2.mesh).toBeUndefined();
      expect(project2.problems).toContainEqual(expect.objectContaining({ severity: 'error', file: CA_FILE, message: 'does not exist: the mesh has no CA yet' }));
    } finally {
      project.cleanup();
    }
  });

  it('requires age recipients with provider sops', async () => {
    const result = await load((root) => editMesh(root, /  ageRecipients:\n(.*\n)*?    - age1\S+\n/, ''));
    expect(result.mesh).toBeUndefined();
    expect(result.problems).toContainEqual(expect.objectContaining({ severity: 'error', file: 'clusters/mesh.yaml', field: 'secrets', message: expect.stringMatching(/has no 'ageRecipients'/), fix: expect.stringMatching(/age-keygen/) }));
  });

  it('names the command that creates a missing CA', async () => {
    const result = await load((root) => rmSync(join(root, 'secrets'), { recursive: true }));
    expect(result.mesh).toBeUndefined();
    expect(about(result.problems, CA_FILE)).toEqual([
      { severity: 'error', file: CA_FILE, field: '', message: 'does not exist: the mesh has no CA yet', fix: expect.stringContaining("'npm run mesh -- ca init'") },
    ]);
  });

  it('fails a truncated or non-SOPS file, and a missing certificate', async () => {
    const truncated = await load((root) => writeFileSync(join(root, CA_FILE), readFileSync(join(root, CA_FILE), 'utf8').slice(0, 900)));
    expect(about(truncated.problems, CA_FILE)).toEqual([expect.objectContaining({ severity: 'error', message: expect.stringMatching(/^is not a readable SOPS file/) })]);
    const noCert = await load((root) => rmSync(join(root, CERT_FILE)));
    expect(about(noCert.problems, CERT_FILE)).toEqual([expect.objectContaining({ severity: 'error', message: expect.stringMatching(/does not exist/), fix: expect.stringMatching(/ca show --write-cert/) })]);
  });

  it('fails a file without a MAC', async () => {
    const result = await load((root) => writeFileSync(join(root, CA_FILE), readFileSync(join(root, CA_FILE), 'utf8').replace(/^ {4}mac: .*$/m, '    mac: ""')));
    expect(about(result.problems, CA_FILE)).toEqual([expect.objectContaining({ severity: 'error', field: 'sops.mac', message: expect.stringMatching(/no sops MAC/) })]);
  });

  it('fails a CA whose Secret is not in Cilium\'s namespace', async () => {
    const result = await load((root) => editMesh(root, 'namespace: kube-system', 'namespace: cilium'));
    expect(about(result.problems, CA_FILE)).toEqual([expect.objectContaining({ severity: 'error', field: 'metadata.namespace', message: expect.stringMatching(/'kube-system', but Cilium runs in 'cilium'/) })]);
  });

  it('warns about a CA that expires within 90 days and fails an expired one', async () => {
    const end = inspectCertificate(readFileSync(join(EXAMPLE_MESH_DIR, CERT_FILE), 'utf8')).notAfter.getTime();
    const soon = await load(undefined, new Date(end - 30 * 86_400_000));
    expect(soon.mesh).toBeDefined();
    expect(about(soon.problems, CERT_FILE)).toEqual([expect.objectContaining({ severity: 'warning', message: expect.stringMatching(/^expires on .*, in 30 days$/) })]);
    const late = await load(undefined, new Date(end + 86_400_000));
    expect(late.mesh).toBeUndefined();
    expect(about(late.problems, CERT_FILE)).toEqual([expect.objectContaining({ severity: 'error', message: expect.stringMatching(/^expired on/) })]);
  });

  it('fails a CA that is not a CA (basicConstraints)', async () => {
    const result = await load(async (root) => {
      const material = await notACa('Cilium Mesh CA example');
      writeFileSync(join(root, CA_FILE), await encryptCaSecret('kube-system', material, [DEMO_RECIPIENT]));
      writeFileSync(join(root, CERT_FILE), material.certPem);
    });
    expect(about(result.problems, CERT_FILE)).toEqual([expect.objectContaining({ severity: 'error', message: expect.stringMatching(/is not a CA certificate \(basicConstraints/) })]);
  });

  it('fails a clear certificate that does not belong to the encrypted CA', async () => {
    const result = await load(async (root) => writeFileSync(join(root, CERT_FILE), (await createMeshCa({ meshName: 'x', days: 400 })).certPem));
    expect(about(result.problems, CERT_FILE)).toEqual([expect.objectContaining({ severity: 'error', message: expect.stringMatching(/is not the certificate of the CA in secrets\/cilium-mesh-ca.sops.yaml/) })]);
  });

  it('advises secrets rekey when recipients were only added', async () => {
    const other = await newAgeKey();
    const result = await load((root) => editMesh(root, `    - ${DEMO_RECIPIENT}\n`, `    - ${DEMO_RECIPIENT}\n    - ${other.recipient}\n`));
    expect(result.mesh).toBeDefined();
    expect(about(result.problems, CA_FILE)).toEqual([expect.objectContaining({ severity: 'warning', field: 'sops.age', fix: expect.stringMatching(/secrets rekey/) })]);
  });

  it('advises ca rotate, not secrets rekey, when a removed recipient could read the CA', async () => {
    const other = await newAgeKey();
    const result = await load((root) => editMesh(root, DEMO_RECIPIENT, other.recipient));
    expect(result.mesh).toBeDefined();
    const [warning, ...rest] = about(result.problems, CA_FILE);
    expect(rest).toEqual([]);
    expect(warning).toMatchObject({ severity: 'warning', field: 'sops.age' });
    expect(warning.fix).toContain(`rotate the CA, since ${DEMO_RECIPIENT} is no longer listed but could read it: 'npm run mesh -- ca rotate'`);
    expect(warning.fix).not.toContain('secrets rekey');
  });

  describe('demo material', () => {
    const demoWarnings = (problems: readonly Problem[]) => problems.filter(isDemoWarning);

    it('warns once while the demo recipient and the demo CA are in use, naming both', async () => {
      const result = await load();
      expect(demoWarnings(result.problems)).toEqual([
        expect.objectContaining({ file: CA_FILE, message: expect.stringContaining('the demo age recipient (secrets.ageRecipients) and the demo CA of the example'), fix: expect.stringContaining('ca rotate') }),
      ]);
    });

    it('warns about the demo CA alone after the recipient was replaced', async () => {
      const other = await newAgeKey();
      const result = await load((root) => editMesh(root, DEMO_RECIPIENT, other.recipient));
      expect(demoWarnings(result.problems).map((p) => p.message)).toEqual([expect.stringMatching(/^uses the demo CA of the example/)]);
    });

    it('does not warn about a CA of your own encrypted to your own recipient', async () => {
      const other = await newAgeKey();
      const result = await load(async (root) => {
        editMesh(root, DEMO_RECIPIENT, other.recipient);
        const material = await createMeshCa({ meshName: 'example', days: 400 });
        writeFileSync(join(root, CA_FILE), await encryptCaSecret('kube-system', material, [other.recipient]));
        writeFileSync(join(root, CERT_FILE), material.certPem);
      });
      expect(result.mesh).toBeDefined();
      expect(result.problems).toEqual([]);
    });
  });

  it('fails values in clear text', async () => {
    const result = await load(async (root) => {
      const material = await createMeshCa({ meshName: 'x', days: 400 });
      writeFileSync(join(root, CA_FILE), await encryptYaml(caSecretObject('kube-system', material), { recipients: [DEMO_RECIPIENT], encryptedRegex: '^nothing$' }));
      writeFileSync(join(root, CERT_FILE), material.certPem);
    });
    expect(about(result.problems, CA_FILE)).toEqual([expect.objectContaining({ severity: 'error', message: expect.stringMatching(/in clear text/) })]);
  });

  it('writes nothing when the CA is missing: synth leaves dist/ as it was', () => {
    const project = tempProject();
    try {
      rmSync(join(project.root, 'secrets'), { recursive: true });
      const result = synthMesh({ root: project.root });
      expect(result.ok).toBe(false);
      expect(() => readFileSync(join(project.root, 'dist', 'README.md'))).toThrow();
    } finally {
      project.cleanup();
    }
  });
});

describe('the demo material the product recognises', () => {
  it('is the example\'s: its recipient opens the committed identity, and its fingerprint is the committed CA\'s', async () => {
    expect(await identityToRecipient(DEMO_IDENTITY)).toBe(DEMO_AGE_RECIPIENT);
    expect(inspectCertificate(readFileSync(join(EXAMPLE_MESH_DIR, CERT_FILE), 'utf8')).fingerprintSha256).toBe(DEMO_CA_FINGERPRINT_SHA256);
  });
});

describe('the files of a CA rotation match its phase', () => {
  const NEXT = 'secrets/cilium-mesh-ca.next.sops.yaml';
  const PREVIOUS = 'secrets/cilium-mesh-ca.previous.crt';
  const setPhase = (root: string, phase: string) => editMesh(root, 'caFile: secrets/cilium-mesh-ca.sops.yaml', `caFile: secrets/cilium-mesh-ca.sops.yaml\n  rotation:\n    phase: ${phase}`);

  it('trust-both needs the next CA', async () => {
    const result = await load((root) => setPhase(root, 'trust-both'));
    expect(result.secrets).toBeUndefined();
    expect(about(result.problems, NEXT)).toEqual([expect.objectContaining({ severity: 'error', message: expect.stringMatching(/does not exist, but secrets\.rotation\.phase is trust-both/), fix: expect.stringMatching(/restore it from version control/) })]);
  });

  it('trusts the next CA beside the current one during trust-both, issuing from the current one', async () => {
    const material = await createMeshCa({ meshName: 'example', days: 400 });
    const result = await load(async (root) => {
      setPhase(root, 'trust-both');
      writeFileSync(join(root, NEXT), await encryptCaSecret('kube-system', material, [DEMO_RECIPIENT]));
      writeFileSync(join(root, 'secrets/cilium-mesh-ca.next.crt'), material.certPem);
    });
    const current = inspectCertificate(readFileSync(join(EXAMPLE_MESH_DIR, CERT_FILE), 'utf8')).fingerprintSha256;
    expect(result.secrets?.issuerFingerprintSha256).toBe(current);
    const trusted = (result.secrets?.trustBundlePem?.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((pem) => inspectCertificate(`${pem}\n`).fingerprintSha256);
    expect(trusted.sort()).toEqual([current, inspectCertificate(material.certPem).fingerprintSha256].sort());
  });

  it('refuses a next CA outside trust-both, and a previous certificate outside issue-new', async () => {
    const result = await load((root) => {
      writeFileSync(join(root, NEXT), readFileSync(join(root, CA_FILE), 'utf8'));
      writeFileSync(join(root, PREVIOUS), readFileSync(join(root, CERT_FILE), 'utf8'));
    });
    expect(result.secrets).toBeUndefined();
    expect(about(result.problems, NEXT)).toEqual([expect.objectContaining({ severity: 'error', message: expect.stringMatching(/exists, but secrets\.rotation\.phase is not set: only phase trust-both has a next CA/) })]);
    expect(about(result.problems, PREVIOUS)).toEqual([expect.objectContaining({ severity: 'error', message: expect.stringMatching(/exists, but secrets\.rotation\.phase is not set: only phase issue-new still trusts the previous CA/) })]);
  });

  it('issue-new needs the previous certificate', async () => {
    const result = await load((root) => setPhase(root, 'issue-new'));
    expect(about(result.problems, PREVIOUS)).toEqual([expect.objectContaining({ severity: 'error', message: expect.stringMatching(/does not exist, but secrets\.rotation\.phase is issue-new/) })]);
  });
});
