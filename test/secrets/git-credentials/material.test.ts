/**
 * The credentials a user hands over are checked against the repository URL
 * before anything is encrypted: the kind its scheme needs, a private key (not
 * the public one), host keys that name the URL's host, a token that is one
 * word. Every problem at once, none quoting the secret.
 */
import { generateKeyPairSync } from 'crypto';
import { knownHostsNameOf } from '../../../lib/model/git-credentials';
import { materialProblems } from '../../../lib/secrets/git-credentials';

const PRIVATE = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const HOST_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
const SSH_URL = 'ssh://git@git.example.com/platform/mesh.git';
const HTTPS_URL = 'https://git.example.com/platform/mesh.git';

describe('materialProblems', () => {
  it('accepts a private key with host keys naming the host, and a user with a token', () => {
    expect(materialProblems(SSH_URL, { auth: 'ssh', identity: PRIVATE, knownHosts: `git.example.com ${HOST_KEY}\n` })).toEqual([]);
    expect(materialProblems('ssh://git@git.example.com:2222/mesh.git', { auth: 'ssh', identity: PRIVATE, knownHosts: `[git.example.com]:2222 ${HOST_KEY}\n` })).toEqual([]);
    expect(materialProblems(SSH_URL, { auth: 'ssh', identity: PRIVATE, knownHosts: `|1|c2FsdA==|aGFzaA== ${HOST_KEY}\n` })).toEqual([]);
    expect(materialProblems(HTTPS_URL, { auth: 'https', username: 'git', password: 'glpat-abc123' })).toEqual([]);
  });

  it('refuses credentials of the other kind than the URL scheme needs', () => {
    expect(materialProblems(SSH_URL, { auth: 'https', username: 'git', password: 'tok' })).toEqual([expect.objectContaining({ option: '--token-file', message: expect.stringMatching(/ssh:\/\/ URL/) })]);
    expect(materialProblems(HTTPS_URL, { auth: 'ssh', identity: PRIVATE, knownHosts: `git.example.com ${HOST_KEY}` })).toEqual([expect.objectContaining({ option: '--ssh-key', message: expect.stringMatching(/https:\/\/ URL/) })]);
  });

  it('reports a public key and host keys for another host together, quoting neither', () => {
    const problems = materialProblems(SSH_URL, { auth: 'ssh', identity: HOST_KEY, knownHosts: `github.com ${HOST_KEY}\n` });
    expect(problems.map((p) => p.option)).toEqual(['--ssh-key', '--known-hosts']);
    expect(problems[0].message).toMatch(/public key/);
    expect(problems[1].message).toMatch(/names no key for git\.example\.com/);
    expect(JSON.stringify(problems)).not.toContain('AAAAC3');
  });

  it('wants the [host]:port name off port 22, and refuses lines that are not known_hosts entries', () => {
    expect(knownHostsNameOf('ssh://git@h.example:2222/x.git')).toBe('[h.example]:2222');
    expect(knownHostsNameOf('ssh://h.example:22/x.git')).toBe('h.example');
    expect(materialProblems('ssh://git@h.example:2222/x.git', { auth: 'ssh', identity: PRIVATE, knownHosts: `h.example ${HOST_KEY}` })[0].message).toMatch(/\[h\.example\]:2222/);
    expect(materialProblems(SSH_URL, { auth: 'ssh', identity: PRIVATE, knownHosts: 'not a host key line' })[0].message).toMatch(/line 1 is not a known_hosts entry/);
    expect(materialProblems(SSH_URL, { auth: 'ssh', identity: PRIVATE, knownHosts: '# only a comment\n' })[0].message).toMatch(/has no host key/);
  });

  it('refuses an empty token, a token with spaces, and a user name with a colon', () => {
    expect(materialProblems(HTTPS_URL, { auth: 'https', username: 'a:b', password: '' }).map((p) => p.option)).toEqual(['--username', '--token-file']);
    expect(materialProblems(HTTPS_URL, { auth: 'https', username: 'git', password: 'two words' })[0].message).toMatch(/one word/);
  });
});
