import { existsSync } from 'fs';
import { readProjectFile } from '../../fs/read-file';
import { writeFilesAtomically } from '../../fs/atomic-write';
import { containsKeyMaterial } from '../../report/redact';
import { checkCaCertificate, inspectCertificate, rotationPaths } from '../../secrets/mesh-ca';
import { nextRotationPhase, PHASE_STATE } from '../../secrets/mesh-ca/rotation';
import { identitiesFromEnv } from '../../secrets/sops';
import { MeshCommand, UsageError } from '../command';
import { checkedCaFile, decryptCa, describeCertificate, identities, NAMESPACE_FIX, requireCaFile, SopsMesh, sopsMesh } from './ca-support';

const WRITE_CERT_FIX = "write it from the encrypted file with 'npm run mesh -- ca show --write-cert' (needs SOPS_AGE_KEY_FILE or SOPS_AGE_KEY)";

export const caShowCommand: MeshCommand = {
  words: ['ca', 'show'],
  summary: "print the mesh CA's subject, fingerprint and expiry, never the key; with an age identity, also check the encrypted file (--write-cert: rewrite the clear certificate from it)",
  options: { 'write-cert': { type: 'boolean', description: 'rewrite the clear certificate beside the encrypted CA from it (needs an age identity)' } },
  writesProject: (line) => line.values['write-cert'] === true,
  async run(line, context) {
    const { stdout, stderr, env } = context;
    const m = sopsMesh(context);
    const text = requireCaFile(m.paths);
    const writeCert = line.values['write-cert'] === true;
    const outline = checkedCaFile(m.paths, text);

    let failed = false;
    let clearPem: string | undefined;
    if (existsSync(m.paths.certPath)) {
      clearPem = readProjectFile(m.paths.certPath).toString('utf8');
      try {
        const cert = inspectCertificate(clearPem);
        stdout.write([`mesh CA (${m.paths.certFile}):`, ...describeCertificate(cert), ''].join('\n'));
        for (const check of checkCaCertificate(cert)) {
          stderr.write(`${check.severity}: ${m.paths.certFile} ${check.message}. Fix: ${check.fix}\n`);
          if (check.severity === 'error') failed = true;
        }
        if (outline.fingerprintSha256 && outline.fingerprintSha256 !== cert.fingerprintSha256) {
          stderr.write(`error: ${m.paths.certFile} is not the certificate of the CA in ${m.paths.sopsFile} (the Secret says ${outline.fingerprintSha256}). Fix: ${WRITE_CERT_FIX}\n`);
          failed = true;
        }
      } catch (err) {
        stderr.write(`error: ${m.paths.certFile} ${(err as Error).message}. Fix: ${WRITE_CERT_FIX}\n`);
        failed = true;
        clearPem = undefined;
      }
    } else {
      stderr.write(`error: ${m.paths.certFile} does not exist. Fix: ${WRITE_CERT_FIX}\n`);
      failed = true;
    }
    failed = rotationReport(m, stdout, stderr) || failed;
    stdout.write(`encrypted file (${m.paths.sopsFile}): Secret cilium-mesh-ca in ${outline.namespace}, age recipients:\n${outline.recipients.map((r) => `  ${r}`).join('\n')}\n`);

    let ids: string[] | undefined;
    if (writeCert) ids = identities(env, "'ca show --write-cert'");
    else {
      try {
        ids = identitiesFromEnv(env);
      } catch {
        ids = undefined;
      }
    }
    if (!ids) {
      stdout.write('not checked against the encrypted file: no age identity (set SOPS_AGE_KEY_FILE or SOPS_AGE_KEY to check the MAC and that both files hold the same CA)\n');
      return failed ? 1 : 0;
    }
    const ca = await decryptCa(m.paths, text, ids);
    const same = clearPem !== undefined && inspectCertificate(clearPem).fingerprintSha256 === ca.certificate.fingerprintSha256;
    if (writeCert && !same) {
      // The clear certificate is committed as it is: it must never carry the key along.
      if (containsKeyMaterial(ca.material.certPem)) {
        throw new UsageError(`${m.paths.sopsFile} holds key material in tls.ca.cert, so ${m.paths.certFile} was not written`, "write a new CA with 'npm run mesh -- ca rotate --one-step --yes'");
      }
      writeFilesAtomically(m.root, [{ path: m.paths.certPath, content: ca.material.certPem }]);
      stdout.write(`wrote ${m.paths.certFile} from the encrypted file (sha256 ${ca.certificate.fingerprintSha256})\n`);
      return 0;
    }
    if (!same) {
      stderr.write(`error: ${m.paths.certFile} is not the certificate inside ${m.paths.sopsFile} (sha256 ${ca.certificate.fingerprintSha256}). Fix: ${WRITE_CERT_FIX}\n`);
      return 1;
    }
    if (ca.namespace !== m.namespace) {
      stderr.write(`error: ${m.paths.sopsFile} puts the Secret in '${ca.namespace}', but cilium.namespace is '${m.namespace}'. Fix: ${NAMESPACE_FIX(ca.namespace)}\n`);
      failed = true;
    }
    stdout.write('checked with your age identity: MAC verified, the key belongs to the certificate, the clear certificate is the same\n');
    return failed ? 1 : 0;
  },
};

/** Where a CA rotation stands, with the other CA of the phase; true when one of its files is missing or unreadable. */
function rotationReport(m: SopsMesh, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): boolean {
  const phase = m.mesh.secrets.provider === 'sops' ? m.mesh.secrets.rotationPhase : undefined;
  const paths = rotationPaths(m.root, m.paths.sopsFile);
  stdout.write(`rotation: ${phase ?? 'none'}: ${PHASE_STATE[phase ?? 'none']}\n`);
  const other = phase === 'trust-both' ? { label: 'next CA, trusted, not yet issuing', file: paths.next.certFile, path: paths.next.certPath } : phase === 'issue-new' ? { label: 'previous CA, still trusted', file: paths.previousCertFile, path: paths.previousCertPath } : undefined;
  let failed = false;
  if (other) {
    try {
      const cert = inspectCertificate(readProjectFile(other.path).toString('utf8'));
      stdout.write([`${other.label} (${other.file}):`, ...describeCertificate(cert), ''].join('\n'));
    } catch (err) {
      stderr.write(`error: ${other.file} cannot be read (${(err as Error).message}). Fix: restore it from the commit of phase ${phase}\n`);
      failed = true;
    }
  }
  const next = nextRotationPhase(phase);
  stdout.write(`next: 'npm run mesh -- ca rotate --yes' starts phase ${next}${phase === 'issue-new' ? ' once every cluster issues from the new CA' : phase === 'trust-both' ? ' once every cluster trusts both CAs' : ''}\n`);
  return failed;
}
