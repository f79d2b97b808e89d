/** The kinds of inventory file, each with its schema and reader. */
export const INVENTORY_KINDS = ['Mesh', 'Cluster', 'GlobalServices', 'Policies'] as const;
export type InventoryKind = (typeof INVENTORY_KINDS)[number];
