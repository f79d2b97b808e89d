import { existsSync } from 'fs';
import { readProjectFile } from '../../fs/read-file';
import { writeFilesAtomically } from '../../fs/atomic-write';
import { checkCaCertificate, inspectCertificate, outlineCaFile } from '../../secrets/mesh-ca';
import { identitiesFromEnv } from '../../secrets/sops';
import { MeshCommand, UsageError } from '../command';
import { checkOptions, decryptCa, describeCertificate, identities, requireCaFile, sopsMesh } from './ca-support';

export const caShowCommand: MeshCommand = {
  words: ['ca', 'show'],
  summary: "print the mesh CA's subject, fingerprint and expiry, never the key; with an age identity, also check the encrypted file (--write-cert: rewrite the clear certificate from it)",
  writesProject: (args) => args.includes('--write-cert'),
  async run(args, context) {
    checkOptions(args, ['--write-cert']);
    const { stdout, stderr, env } = context;
    const m = sopsMesh(context);
    const text = requireCaFile(m.paths);
    const writeCert = args.includes('--write-cert');
    let outline;
    try {
      outline = outlineCaFile(text);
    } catch (err) {
      throw new UsageError(`${m.paths.sopsFile}: ${(err as Error).message}`);
    }

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
          stderr.write(`error: ${m.paths.certFile} is not the certificate of the CA in ${m.paths.sopsFile} (the Secret says ${outline.fingerprintSha256}). Fix: 'npm run mesh -- ca show --write-cert'\n`);
          failed = true;
        }
      } catch (err) {
        stderr.write(`error: ${m.paths.certFile} ${(err as Error).message}. Fix: 'npm run mesh -- ca show --write-cert'\n`);
        failed = true;
        clearPem = undefined;
      }
    } else {
      stderr.write(`error: ${m.paths.certFile} does not exist. Fix: 'npm run mesh -- ca show --write-cert'\n`);
      failed = true;
    }
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
      writeFilesAtomically(m.root, [{ path: m.paths.certPath, content: ca.material.certPem }]);
      stdout.write(`wrote ${m.paths.certFile} from the encrypted file (sha256 ${ca.certificate.fingerprintSha256})\n`);
      return 0;
    }
    if (!same) {
      stderr.write(`error: the encrypted file holds a different certificate (sha256 ${ca.certificate.fingerprintSha256}). Fix: 'npm run mesh -- ca show --write-cert'\n`);
      return 1;
    }
    if (ca.namespace !== m.namespace) {
      stderr.write(`error: ${m.paths.sopsFile} puts the Secret in '${ca.namespace}', but cilium.namespace is '${m.namespace}'. Fix: 'npm run mesh -- ca rotate'\n`);
      failed = true;
    }
    stdout.write('checked with your age identity: MAC verified, the key belongs to the certificate, the clear certificate is the same\n');
    return failed ? 1 : 0;
  },
};
