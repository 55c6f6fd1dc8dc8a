/** Every tenant-scoped query takes this: a query without a workspace does not compile. */
export interface WorkspaceScope {
  workspaceId: string;
}
