/**
 * The CA commands (ca init, ca rotate, secrets rekey) pass what they are about
 * to write through one gate: only proven ciphertext is written.
 */
import { generateKeyPairSync } from 'crypto';
import { provenCaFileText } from '../../../lib/cli/commands/ca-support';
import { caPaths, createMeshCa, encryptCaSecret } from '../../../lib/secrets/mesh-ca';

const paths = caPaths('/project', 'secrets/cilium-mesh-ca.sops.yaml');
const DEMO_RECIPIENT = 'age1wu5ttwy9n73df5n94c6rlck92zpevvh3rvzpc8pj4dzz0ag2f9wqt7ey58';

describe('provenCaFileText', () => {
  let text: string;
  beforeAll(async () => {
    text = await encryptCaSecret('kube-system', await createMeshCa({ meshName: 'x', days: 30 }), [DEMO_RECIPIENT]);
  });

  it('passes the file the writer makes', () => {
    expect(provenCaFileText(paths, text)).toBe(text);
  });

  it.each([
    ['a clear value under stringData', (t: string) => t.replace(/^( {4}values\.yaml: .*)$/m, '$1\n    extra: hunter2')],
    ['a private key in a comment', (t: string) => `# ${generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString().replace(/\n/g, '\n# ')}\n${t}`],
  ])('refuses a text with %s, saying nothing was written', (_what, edit) => {
    expect(() => provenCaFileText(paths, edit(text))).toThrow(expect.objectContaining({ name: 'InventoryError', problems: [expect.objectContaining({ file: paths.sopsFile, message: expect.stringMatching(/^would be written with a problem, so nothing was written: /) })] }));
  });
});
