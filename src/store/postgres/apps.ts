import { stampedAt } from "./stamps.js";
import { and, eq } from "drizzle-orm";
import { NotFoundError } from "../../errors.js";
import type { AnyPgDatabase } from "../../migrate/runner.js";
import { apps, appSessionConfigs, environments } from "../../schema/apps.js";
import type { App, AppPatch, AppsStore, NewApp, Page, PageRequest, TenantRecord } from "../contract/index.js";
import { keyset, toPage } from "./pagination.js";

export class PgAppsStore implements AppsStore {
  constructor(private readonly db: AnyPgDatabase) {}

  async create(input: NewApp): Promise<App> {
    const [row] = await this.db.insert(apps).values({ ...input, ...stampedAt(input) }).returning();
    return row as App;
  }

  async findById(id: string): Promise<App | null> {
    const [row] = await this.db.select().from(apps).where(eq(apps.id, id)).limit(1);
    return row ?? null;
  }

  async findBySlug(slug: string): Promise<App | null> {
    const [row] = await this.db.select().from(apps).where(eq(apps.slug, slug)).limit(1);
    return row ?? null;
  }

  async findByPublishableKey(publishableKey: string): Promise<App | null> {
    const [row] = await this.db.select().from(apps).where(eq(apps.publishableKey, publishableKey)).limit(1);
    return row ?? null;
  }

  async findTenant(by: { slug: string } | { publishableKey: string }): Promise<TenantRecord | null> {
    const [row] = await this.db
      .select({ app: apps, env: environments, sessionConfig: appSessionConfigs })
      .from(apps)
      .leftJoin(environments, and(eq(environments.appId, apps.id), eq(environments.isDefault, true)))
      .leftJoin(appSessionConfigs, eq(appSessionConfigs.appId, apps.id))
      .where("slug" in by ? eq(apps.slug, by.slug) : eq(apps.publishableKey, by.publishableKey))
      .limit(1);
    return row ?? null;
  }

  async update(id: string, patch: AppPatch, now: Date): Promise<App> {
    const [row] = await this.db
      .update(apps)
      .set({ ...patch, updatedAt: now })
      .where(eq(apps.id, id))
      .returning();
    if (!row) throw new NotFoundError("not_found", "App not found");
    return row;
  }

  async delete(id: string): Promise<void> {
    // Every row of the app (environments, users, sessions, roles, …) goes with it through ON DELETE CASCADE.
    const rows = await this.db.delete(apps).where(eq(apps.id, id)).returning({ id: apps.id });
    if (rows.length === 0) throw new NotFoundError("not_found", "App not found");
  }

  async list(page?: PageRequest): Promise<Page<App>> {
    const set = keyset(apps.id, page);
    const rows = await this.db
      .select()
      .from(apps)
      .where(set.after)
      .orderBy(set.orderBy)
      .limit(set.limit + 1);
    return toPage(rows, set.limit);
  }
}
