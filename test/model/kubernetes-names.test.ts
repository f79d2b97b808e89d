/**
 * The name rules, against examples from the upstream validators, and the
 * schemas' patterns (what editors check) against the rules (what synth checks):
 * for the cluster name and the DNS label they must accept the same strings.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import * as fc from 'fast-check';
import {
  clusterNameProblem,
  dns1035LabelProblem,
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  gitBranchProblem,
  hostProblem,
  labelValueProblem,
  portNameProblem,
  qualifiedNameProblem,
  repositoryUrlProblem,
  sshUrlOf,
} from '../../lib/model/kubernetes-names';
import { PROJECT_ROOT } from '../support/paths';

const accepts = (check: (v: string) => string | undefined, values: string[]) => expect(values.filter((v) => check(v) !== undefined)).toEqual([]);
const refuses = (check: (v: string) => string | undefined, values: string[]) => expect(values.filter((v) => check(v) === undefined)).toEqual([]);

describe('name rules', () => {
  it('DNS-1123 label, subdomain and DNS-1035 label', () => {
    accepts(dns1123LabelProblem, ['a', '0', 'kube-system', 'a'.repeat(63)]);
    refuses(dns1123LabelProblem, ['', 'A', '-a', 'a-', 'a.b', 'a b', 'a'.repeat(64)]);
    accepts(dns1123SubdomainProblem, ['a.b', 'k3scl1-server', 'a'.repeat(253)]);
    refuses(dns1123SubdomainProblem, ['a..b', '.a', 'A.b', 'a_b', 'a'.repeat(254)]);
    accepts(dns1035LabelProblem, ['nginx', 'a1-b']);
    refuses(dns1035LabelProblem, ['1nginx', '-a', 'Nginx', 'a'.repeat(64)]);
  });

  it('label keys and values', () => {
    accepts(qualifiedNameProblem, ['app', 'app.kubernetes.io/name', 'k3s-cilium-mesh/intent', 'A_b.c']);
    refuses(qualifiedNameProblem, ['a b', 'a/b/c', '/a', 'Example.com/a', 'a/', 'k'.repeat(64), '-a']);
    accepts(labelValueProblem, ['', 'x-wing', 'A.b_c', 'v'.repeat(63)]);
    refuses(labelValueProblem, ['a b', '-a', 'a-', 'v'.repeat(64)]);
  });

  it('port names, cluster names, hosts and git branches', () => {
    accepts(portNameProblem, ['http', 'tcp-80', 'a'.repeat(15)]);
    refuses(portNameProblem, ['80', 'a--b', 'HTTP', '-http', 'a'.repeat(16)]);
    accepts(clusterNameProblem, ['k3scl1', 'a', 'a'.repeat(32)]);
    refuses(clusterNameProblem, ['', 'K3s', 'a.b', '-a', 'a'.repeat(33)]);
    accepts(hostProblem, ['172.17.11.11', 'api.example.com', 'API.Example.com', 'localhost']);
    refuses(hostProblem, ['300.1.1.1', '1.2.3', 'a_b.example.com', 'a b', '']);
    accepts(gitBranchProblem, ['main', 'release/2026.12', 'feature-x']);
    refuses(gitBranchProblem, ['', 'a b', 'a..b', 'a~1', '-a', 'a/', 'a.lock', '.a', 'a//b', 'a@{1}', 'a:b']);
  });
});

describe('repository URLs', () => {
  it('takes https:// and ssh:// URLs, as Flux and Argo CD both clone them, and nothing else', () => {
    accepts(repositoryUrlProblem, ['https://git.example.com/platform/mesh.git', 'ssh://git@github.com/platform/mesh.git', 'ssh://git@host:2222/~/mesh.git']);
    refuses(repositoryUrlProblem, ['git@github.com:platform/mesh.git', 'http://git.example.com/mesh.git', 'git.example.com/mesh', 'https://', 'https://host/a b', 'file:///srv/mesh.git']);
  });

  it('turns an scp-like address into its ssh:// URL', () => {
    expect(sshUrlOf('git@github.com:platform/mesh.git')).toBe('ssh://git@github.com/platform/mesh.git');
    expect(sshUrlOf('host.example.com:/srv/git/mesh.git')).toBe('ssh://host.example.com/srv/git/mesh.git');
    expect(sshUrlOf('https://github.com/platform/mesh.git')).toBeUndefined();
  });
});

describe('schema patterns agree with the rules', () => {
  const cluster = JSON.parse(readFileSync(join(PROJECT_ROOT, 'schema', 'cluster.schema.json'), 'utf8'));
  const schemaAccepts = (field: { pattern: string; maxLength?: number }) => (v: string) => new RegExp(field.pattern).test(v) && v.length <= (field.maxLength ?? Infinity);
  const names = fc.stringMatching(/^[-a-zA-Z0-9._ ]{0,40}$/);

  it('the cluster name', () => {
    const inSchema = schemaAccepts(cluster.properties.name);
    fc.assert(fc.property(names, (v) => inSchema(v) === (clusterNameProblem(v) === undefined)), { numRuns: 2000 });
  });

  it('namespaces (the DNS-1123 label of every schema)', () => {
    const mesh = JSON.parse(readFileSync(join(PROJECT_ROOT, 'schema', 'mesh.schema.json'), 'utf8'));
    const inSchema = schemaAccepts(mesh.properties.cilium.properties.namespace);
    fc.assert(fc.property(names, (v) => inSchema(v) === (dns1123LabelProblem(v) === undefined)), { numRuns: 2000 });
  });
});
