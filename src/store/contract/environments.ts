import type { Stamped } from "./stamped.js";
import type { environments } from "../../schema/apps.js";

export type Environment = typeof environments.$inferSelect;
export type NewEnvironment = Omit<typeof environments.$inferInsert, "createdAt" | "updatedAt" | "isDefault"> & Stamped;
export type EnvironmentPatch = Partial<Pick<Environment, "name" | "slug" | "color" | "description" | "settings" | "metadata">>;

/** An app's environments; the app id is the scope (another app's environment is as if missing). */
export interface EnvironmentsStore {
  /** The first environment of an app becomes its default. @throws ConflictError `slug_taken`, or `conflict` when
   *  two first environments of one app are created at the same moment. */
  create(input: NewEnvironment): Promise<Environment>;
  findById(appId: string, id: string): Promise<Environment | null>;
  findBySlug(appId: string, slug: string): Promise<Environment | null>;
  findDefaultByAppId(appId: string): Promise<Environment | null>;
  /** Every environment of the app, oldest first: an array, not a page — an app has a handful. */
  listAll(appId: string): Promise<Environment[]>;
  /** @throws NotFoundError; ConflictError `slug_taken` */
  update(appId: string, id: string, patch: EnvironmentPatch, now: Date): Promise<Environment>;
  /** Makes `envId` the app's only default, in one transaction. @throws NotFoundError */
  setDefault(appId: string, envId: string, now: Date): Promise<Environment>;
  /** @throws NotFoundError; ValidationError `default_environment` for the default environment. */
  delete(appId: string, id: string): Promise<void>;
}
