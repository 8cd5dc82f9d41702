import type { Stamped } from "./stamped.js";
import type { apps } from "../../schema/apps.js";
import type { AppSessionConfig } from "./app-session-configs.js";
import type { Environment } from "./environments.js";
import type { Page, PageRequest } from "./pages.js";

export type App = typeof apps.$inferSelect;
export type NewApp = Omit<typeof apps.$inferInsert, "createdAt" | "updatedAt"> & Stamped;
export type AppPatch = Partial<Pick<App, "name" | "slug" | "logo" | "metadata" | "publishableKey">>;

/** What an engine needs to serve an app. */
export interface TenantRecord {
  app: App;
  env: Environment | null;
  sessionConfig: AppSessionConfig | null;
}

/** Apps are the tenants themselves: nothing here is scoped, and the lookups run before a tenant is known. */
export interface AppsStore {
  /** @throws ConflictError `slug_taken` | `conflict` (publishable key). */
  create(input: NewApp): Promise<App>;
  findById(id: string): Promise<App | null>;
  findBySlug(slug: string): Promise<App | null>;
  findByPublishableKey(publishableKey: string): Promise<App | null>;
  /**
   * In one statement: the app (by slug or publishable key), its default environment (null if it has none yet) and
   * its session overrides (null if none).
   */
  findTenant(by: { slug: string } | { publishableKey: string }): Promise<TenantRecord | null>;
  /** @throws NotFoundError; ConflictError as `create`. */
  update(id: string, patch: AppPatch, now: Date): Promise<App>;
  /** Deletes the app and, by cascade, every row that belongs to it. @throws NotFoundError */
  delete(id: string): Promise<void>;
  list(page?: PageRequest): Promise<Page<App>>;
}
