import { stampedAt } from "./stamps.js";
import { and, asc, eq, not, sql } from "drizzle-orm";
import { NotFoundError, ValidationError } from "../../errors.js";
import type { AnyPgDatabase } from "../../migrate/runner.js";
import { apps, environments } from "../../schema/apps.js";
import type { Environment, EnvironmentPatch, EnvironmentsStore, NewEnvironment } from "../contract/index.js";

/** The app's environment with this id. */
function appEnvironment(appId: string, id: string) {
  return and(eq(environments.id, id), eq(environments.appId, appId));
}

export class PgEnvironmentsStore implements EnvironmentsStore {
  constructor(private readonly db: AnyPgDatabase) {}

  async create(input: NewEnvironment): Promise<Environment> {
    // Decided inside the INSERT itself: two first environments created at once both see no sibling, and the
    // partial unique index authsome_environments_default_uq then refuses the second (ConflictError `conflict`),
    // so an app never has two defaults.
    const isFirst = sql<boolean>`NOT EXISTS (
      SELECT 1 FROM ${environments} WHERE ${environments.appId} = ${input.appId})`;
    const [row] = await this.db
      .insert(environments)
      .values({ ...input, ...stampedAt(input), isDefault: isFirst })
      .returning();
    return row as Environment;
  }

  async findById(appId: string, id: string): Promise<Environment | null> {
    const [row] = await this.db.select().from(environments).where(appEnvironment(appId, id)).limit(1);
    return row ?? null;
  }

  async findBySlug(appId: string, slug: string): Promise<Environment | null> {
    const [row] = await this.db
      .select()
      .from(environments)
      .where(and(eq(environments.appId, appId), eq(environments.slug, slug)))
      .limit(1);
    return row ?? null;
  }

  async findDefaultByAppId(appId: string): Promise<Environment | null> {
    const [row] = await this.db
      .select()
      .from(environments)
      .where(and(eq(environments.appId, appId), eq(environments.isDefault, true)))
      .limit(1);
    return row ?? null;
  }

  async listAll(appId: string): Promise<Environment[]> {
    return this.db
      .select()
      .from(environments)
      .where(eq(environments.appId, appId))
      .orderBy(asc(environments.createdAt), asc(environments.id));
  }

  async update(appId: string, id: string, patch: EnvironmentPatch, now: Date): Promise<Environment> {
    const [row] = await this.db
      .update(environments)
      .set({ ...patch, updatedAt: now })
      .where(appEnvironment(appId, id))
      .returning();
    if (!row) throw new NotFoundError("not_found", "Environment not found");
    return row;
  }

  async setDefault(appId: string, envId: string, now: Date): Promise<Environment> {
    return this.db.transaction(async (tx) => {
      // Concurrent moves of one app's default queue on the app row; without it the loser's "set" would meet the
      // winner's freshly committed default in the unique index. NO KEY UPDATE leaves foreign-key checks unblocked.
      const [app] = await tx.select({ id: apps.id }).from(apps).where(eq(apps.id, appId)).for("no key update");
      if (!app) throw new NotFoundError("not_found", "App not found");
      // Two statements: the unique index is not deferrable, so it is checked row by row and the old default must
      // be cleared before the new one is set.
      await tx
        .update(environments)
        .set({ isDefault: false, updatedAt: now })
        .where(and(eq(environments.appId, appId), eq(environments.isDefault, true), not(eq(environments.id, envId))));
      const [row] = await tx
        .update(environments)
        .set({ isDefault: true, updatedAt: now })
        .where(appEnvironment(appId, envId))
        .returning();
      // Throwing rolls the transaction back, so the old default is restored.
      if (!row) throw new NotFoundError("not_found", "Environment not found");
      return row;
    });
  }

  async delete(appId: string, id: string): Promise<void> {
    // The guard is part of the DELETE, so a concurrent setDefault cannot slip between a check and the delete.
    const rows = await this.db
      .delete(environments)
      .where(and(appEnvironment(appId, id), eq(environments.isDefault, false)))
      .returning({ id: environments.id });
    if (rows.length > 0) return;
    if (await this.findById(appId, id)) {
      throw new ValidationError(
        "default_environment",
        "The default environment cannot be deleted; make another one the default first",
      );
    }
    throw new NotFoundError("not_found", "Environment not found");
  }
}
