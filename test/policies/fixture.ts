/**
 * The bundled example for policy, service and lifecycle tests. The mesh CA is
 * read from an external store here, so these tests need no CA files in their
 * temporary projects: what they check does not depend on where the CA is kept.
 */
import { editFile, exampleInventory, InventoryFiles } from '../support/inventory-fixture';

export function policyExample(): InventoryFiles {
  return editFile(exampleInventory(), 'mesh.yaml', (m) => {
    m.secrets = { provider: 'external-secrets', externalSecrets: { storeRef: { name: 'mesh-ca-store' }, remoteKey: 'cilium-mesh-ca' } };
  });
}
