/**
 * Nothing secret is readable in the output: no PEM private key anywhere, and
 * every Secret is either SOPS-encrypted (every value ENC[…]) or one of the
 * peer-config Secrets, which hold no key material. The CA reaches every cluster
 * as a byte-identical copy of the committed ciphertext, so synth output is stable.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { parseAllDocuments } from 'yaml';
import { ENCRYPTED_VALUE } from '../../lib/secrets/sops';
import { EXAMPLE_MESH_DIR } from '../support/paths';
import { CHECKED_PROJECT, MATRIX, renderUnderTest } from './rendered';

const PEER_SECRETS = new Set(['cilium-clustermesh', 'cilium-kvstoremesh']);

/** Every problem with the Secrets of one YAML text. */
function secretProblems(path: string, text: string): string[] {
  const problems: string[] = [];
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) problems.push(`${path}: holds a PEM private key`);
  if (!/\.ya?ml$/.test(path)) return problems;
  for (const doc of parseAllDocuments(text)) {
    const o = doc.toJS() as any;
    if (!o || o.kind !== 'Secret') continue;
    const id = `${path}: Secret ${o.metadata?.namespace}/${o.metadata?.name}`;
    const values = { ...(o.data ?? {}), ...(o.stringData ?? {}) } as Record<string, unknown>;
    if (o.sops) {
      for (const [key, value] of Object.entries(values)) {
        if (typeof value !== 'string' || !ENCRYPTED_VALUE.test(value)) problems.push(`${id}: ${key} is not encrypted`);
      }
      continue;
    }
    if (!PEER_SECRETS.has(o.metadata?.name)) {
      problems.push(`${id}: an unencrypted Secret that is not a peer config`);
      continue;
    }
    for (const [key, value] of Object.entries(values)) {
      const decoded = o.data && key in o.data ? Buffer.from(String(value), 'base64').toString('utf8') : String(value);
      if (/-----BEGIN/.test(decoded)) problems.push(`${id}: ${key} holds PEM material`);
      if (!/^endpoints:/m.test(decoded)) problems.push(`${id}: ${key} is not an etcd client config`);
    }
  }
  return problems;
}

describe('no secret in dist/', () => {
  it('the scan itself finds a clear key, a clear Secret and an unencrypted value', () => {
    expect(secretProblems('a.txt', '-----BEGIN RSA PRIVATE KEY-----\n')).toHaveLength(1);
    expect(secretProblems('a.yaml', 'kind: Secret\nmetadata: {name: x}\nstringData: {a: b}\n')).toEqual(['a.yaml: Secret undefined/x: an unencrypted Secret that is not a peer config']);
    expect(secretProblems('a.yaml', 'kind: Secret\nmetadata: {name: x}\nstringData: {a: b}\nsops: {mac: x}\n')).toEqual(['a.yaml: Secret undefined/x: a is not encrypted']);
    expect(secretProblems('a.yaml', `kind: Secret\nmetadata: {name: cilium-clustermesh}\ndata: {p: ${Buffer.from('endpoints: []\n-----BEGIN CERTIFICATE-----').toString('base64')}}\n`)).toHaveLength(1);
  });

  it.each(MATRIX)('the output holds no readable secret, and the CA Secret in every cluster is the committed ciphertext, byte for byte (Cilium %s)', (_label, c) => {
    const r = renderUnderTest(c);
    expect(r.files.flatMap((f) => secretProblems(f.path, f.content))).toEqual([]);
    const { secrets } = r.mesh;
    if (secrets.provider !== 'sops') return;
    const committed = readFileSync(join(CHECKED_PROJECT ?? EXAMPLE_MESH_DIR, secrets.caFile), 'utf8');
    const copies = r.files.filter((f) => f.path.endsWith('/mesh-ca-secret.yaml'));
    expect(copies.map((f) => f.path.split('/')[0]).sort()).toEqual(r.clusters);
    for (const copy of copies) expect(copy.content).toBe(committed);
  });
});
