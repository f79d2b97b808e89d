/**
 * Names that would break an object the API server, git or Cilium reads are
 * refused when the inventory is read: one problem per value, at its line,
 * saying what it becomes and the fix; never two messages for one mistake.
 */
import { editFile, exampleInventory, InventoryFiles, loadFiles } from '../support/inventory-fixture';

interface Case {
  readonly file: string;
  readonly edit: (data: any) => void;
  /** The field the one problem names. */
  readonly field: string;
  readonly message: RegExp;
}

const CASES: [string, Case][] = [
  ['a Service name starting with a digit', { file: 'services.yaml', edit: (s) => (s.services[0].name = '1nginx'), field: 'services[0].name', message: /starts with a digit.*becomes a Service name/ }],
  ['a Service name with upper case', { file: 'services.yaml', edit: (s) => (s.services[0].name = 'Nginx'), field: 'services[0].name', message: /becomes a Service name/ }],
  [
    'a port name over 15 characters where the backend runs',
    { file: 'services.yaml', edit: (s) => (s.services[0].ports[0].name = 'http-very-long-port'), field: 'services[0].ports[0].name', message: /19 characters long, more than 15; it also names the backend's container port/ },
  ],
  ['a label key over 63 characters', { file: 'services.yaml', edit: (s) => (s.services[0].selector = { ['k'.repeat(64)]: 'v' }), field: `services[0].selector.${'k'.repeat(64)}`, message: /name part of 64 characters/ }],
  ['a label key with a space', { file: 'policies.yaml', edit: (p) => (p.policies[0].from.labels = { 'app name': 'x' }), field: 'policies[0].from.labels.app name', message: /no spaces.*becomes a label key/ }],
  ['a label key with two slashes', { file: 'policies.yaml', edit: (p) => (p.policies[0].to.labels = { 'a/b/c': 'x' }), field: 'policies[0].to.labels.a/b/c', message: /more than one '\/'/ }],
  ['a label value with a space', { file: 'policies.yaml', edit: (p) => (p.policies[0].to.labels = { app: 'rebel base' }), field: 'policies[0].to.labels.app', message: /becomes a label value/ }],
  ['an Argo CD namespace with a space', { file: 'mesh.yaml', edit: (m) => (m.delivery.argocd = { namespace: 'argo cd' }), field: 'delivery.argocd.namespace', message: /becomes a namespace/ }],
  ['a git branch with a space', { file: 'mesh.yaml', edit: (m) => (m.delivery.repository.branch = 'my branch'), field: 'delivery.repository.branch', message: /holds a space.*git branch/ }],
  ['a git branch with ..', { file: 'mesh.yaml', edit: (m) => (m.delivery.repository.branch = 'release..1'), field: 'delivery.repository.branch', message: /'\.\.'/ }],
  [
    "git's scp-like repository address",
    { file: 'mesh.yaml', edit: (m) => (m.delivery.repository.url = 'git@github.com:platform/mesh.git'), field: 'delivery.repository.url', message: /scp-like form, which Flux's GitRepository refuses/ },
  ],
  ['a plain http repository URL', { file: 'mesh.yaml', edit: (m) => (m.delivery.repository.url = 'http://git.example.com/mesh.git'), field: 'delivery.repository.url', message: /plain http/ }],
  ['an API server host like 300.1.1.1', { file: 'k3scl1.yaml', edit: (c) => (c.apiServer = { host: '300.1.1.1' }), field: 'apiServer.host', message: /is not a valid IPv4 address/ }],
  ['an API server host with an underscore', { file: 'k3scl1.yaml', edit: (c) => (c.apiServer = { host: 'api_server.example.com' }), field: 'apiServer.host', message: /neither an IPv4 address nor a DNS name/ }],
  ['a node name with upper case', { file: 'k3scl2.yaml', edit: (c) => (c.nodes[0].name = 'K3scl2-Server'), field: 'nodes[0].name', message: /becomes a Kubernetes node name/ }],
];

const errorsOf = (files: InventoryFiles) => loadFiles(files).problems.filter((p) => p.severity === 'error');

describe('Kubernetes, git and Cilium name rules', () => {
  it.each(CASES)('refuses %s with one problem at the field, naming the fix', (_name, c) => {
    const errors = errorsOf(editFile(exampleInventory(), c.file, c.edit));
    expect(errors.map((p) => `${p.file} ${p.field}`)).toEqual([`clusters/${c.file} ${c.field}`]);
    expect(errors[0].message).toMatch(c.message);
    expect(errors[0].fix.length).toBeGreaterThan(10);
    expect(errors[0].line).toBeGreaterThan(0);
  });

  it('accepts what the rules allow: a DNS name host, prefixed label keys, a branch with slashes, a 15-character port name', () => {
    let files = editFile(exampleInventory(), 'k3scl1.yaml', (c) => (c.apiServer = { host: 'api.k3scl1.example.com' }));
    files = editFile(files, 'mesh.yaml', (m) => (m.delivery.repository.branch = 'release/2026.12'));
    files = editFile(files, 'policies.yaml', (p) => (p.policies[0].from.labels = { 'app.kubernetes.io/name': 'x-wing' }));
    files = editFile(files, 'services.yaml', (s) => (s.services[0].ports[0].name = 'http-alternate1'));
    expect(errorsOf(files)).toEqual([]);
  });

  it("gives the ssh:// form of an scp-like address as the fix, and accepts it", () => {
    const [problem] = errorsOf(editFile(exampleInventory(), 'mesh.yaml', (m) => (m.delivery.repository.url = 'git@github.com:platform/mesh.git')));
    expect(problem.fix).toMatch(/^write it as ssh:\/\/git@github\.com\/platform\/mesh\.git /);
    expect(errorsOf(editFile(exampleInventory(), 'mesh.yaml', (m) => (m.delivery.repository.url = 'ssh://git@github.com/platform/mesh.git')))).toEqual([]);
  });

  it('allows a long port name on a service whose backend runs elsewhere (no container port takes it)', () => {
    const files = editFile(exampleInventory(), 'services.yaml', (s) => {
      delete s.services[0].backend;
      s.services[0].selector = { app: 'nginx' };
      s.services[0].ports[0].name = 'http-very-long-port';
    });
    expect(errorsOf(files)).toEqual([]);
  });

  it('reports every broken name of a file at once, and the rest of the inventory still', () => {
    let files = editFile(exampleInventory(), 'mesh.yaml', (m) => {
      m.delivery.repository.branch = 'a b';
      m.delivery.argocd = { namespace: 'Argo' };
    });
    files = editFile(files, 'k3scl2.yaml', (c) => (c.podCidr = '10.11.0.0/16'));
    const fields = errorsOf(files).map((p) => `${p.file} ${p.field}`);
    expect(fields).toEqual(expect.arrayContaining(['clusters/mesh.yaml delivery.repository.branch', 'clusters/mesh.yaml delivery.argocd.namespace', 'clusters/k3scl2.yaml podCidr']));
  });
});
