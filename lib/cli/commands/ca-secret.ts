import { caSecretYaml } from '../../secrets/mesh-ca';
import { MeshCommand, UsageError } from '../command';
import { decryptCa, identities, NAMESPACE_FIX, requireCaFile, sopsMesh } from './ca-support';

export const caSecretCommand: MeshCommand = {
  words: ['ca', 'secret'],
  summary: 'print the decrypted CA Secret for the bootstrap step (npm run --silent mesh -- ca secret > /var/lib/rancher/k3s/server/manifests/cilium-mesh-ca.yaml)',
  async run(_line, context) {
    const m = sopsMesh(context);
    const text = requireCaFile(m.paths);
    const ca = await decryptCa(m.paths, text, identities(context.env, "'ca secret'"));
    if (ca.namespace !== m.namespace) {
      throw new UsageError(`${m.paths.sopsFile} puts the Secret in '${ca.namespace}', but cilium.namespace is '${m.namespace}'`, NAMESPACE_FIX(ca.namespace));
    }
    context.stdout.write(caSecretYaml(ca.secret));
    context.stderr.write('printed the CA Secret with its private key in clear: keep it off git, and remove the file from the k3s manifests folder once GitOps runs.\n');
    return 0;
  },
};
