/**
 * The app and environment a tenant row belongs to. Passed first to every method that finds or changes a tenant row by
 * its own id or by a key a client presented; a row of another tenant is as if it did not exist.
 */
export interface TenantScope {
  appId: string;
  envId: string;
}
