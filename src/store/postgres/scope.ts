import { and, eq, type SQL } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { TenantScope } from "../contract/index.js";

/** The predicate that keeps a query to one tenant's rows: `app_id` and `env_id` both the scope's. */
export function inScope(table: { appId: AnyPgColumn; envId: AnyPgColumn }, scope: TenantScope): SQL {
  return and(eq(table.appId, scope.appId), eq(table.envId, scope.envId)) as SQL;
}
