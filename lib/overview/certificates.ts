/**
 * The overview's account of the mesh's certificates: which CA issues, which the
 * clusters trust and until when, and when the clustermesh certificates expire or
 * renew under the chosen method. Dates only, never "in N days": the overview is
 * the same whenever it is rendered.
 */
import { ciliumVersionFacts } from '../model/cilium-versions';
import { CommittedSecrets } from '../model/committed-secrets';
import { Mesh } from '../model/mesh';
import { inspectCertificate, isoDay } from '../secrets/mesh-ca';
import { PHASE_STATE } from '../secrets/mesh-ca/rotation';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export function certificatesSection(mesh: Mesh, committed: CommittedSecrets): string[] {
  const c = mesh.cilium.certificates;
  const days = c.validityDays ?? ciliumVersionFacts(mesh.cilium.version).defaultCertValidityDays;
  const validity = `${days} days${c.validityDays === undefined ? ` (the default of Cilium ${mesh.cilium.version})` : ''}`;
  const lines: string[] = [];
  switch (c.method) {
    case 'cronJob':
      lines.push(
        `Method \`cronJob\`: the certgen Job \`clustermesh-apiserver-generate-certs\` issues the clustermesh-apiserver certificates (server, admin, remote, local) at install, and the CronJob of the same name re-issues them on the schedule \`${c.schedule}\`, without any helm run. Each is valid ${validity} from its issue, so they renew long before they expire as long as the CronJob runs more often than every ${days} days.`,
      );
      break;
    case 'helm':
      lines.push(
        `Method \`helm\`: helm issues the clustermesh-apiserver certificates at every helm run, that is whenever the cluster's HelmChart (\`02-cilium/cilium-helm-chart.yaml\`) or the CA Secret changes. Each is valid ${validity} from that run: **a cluster whose HelmChart does not change for ${days} days loses the mesh when they expire**; synth and commit any change to renew them, or choose method \`cronJob\`.`,
      );
      break;
    case 'certmanager':
      lines.push(
        `Method \`certmanager\`: cert-manager issues the clustermesh-apiserver certificates from the ${c.issuerRef.kind} \`${c.issuerRef.name}\` (${c.issuerRef.group}), each for ${validity}, and renews them before they expire (cert-manager's default: at two thirds of the duration). The issuer must sign with the mesh CA in every cluster.`,
      );
      break;
  }
  if (mesh.secrets.provider !== 'sops') {
    lines.push('', `The mesh CA comes from the secret store (\`${mesh.secrets.remoteKey}\`); rotate it there.`);
    return lines;
  }
  const phase = mesh.secrets.rotationPhase;
  lines.push('', `CA rotation: ${phase ?? 'none'} (${PHASE_STATE[phase ?? 'none']}).`, '', '| CA | sha256 | expires | issues certificates |', '| --- | --- | --- | --- |');
  for (const pem of committed.trustBundlePem?.match(PEM_BLOCK) ?? []) {
    const cert = inspectCertificate(`${pem}\n`);
    const issues = cert.fingerprintSha256 === committed.issuerFingerprintSha256;
    lines.push(`| ${cert.subject.replace(/\n/g, ', ')} | \`${cert.fingerprintSha256.slice(0, 23)}…\` | ${isoDay(cert.notAfter)} | ${issues ? 'yes' : 'no, trusted only'} |`);
  }
  return lines;
}
