/** Every tenant-scoped query takes this: an unscoped lookup does not compile. */
export interface TenantScope {
  workspaceId: string;
}

export interface Page {
  limit: number;
  /** Last id of the previous page (ids are ULID-based, so they sort by creation). */
  after?: string;
}
