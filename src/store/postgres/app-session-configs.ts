import { eq } from "drizzle-orm";
import type { AnyPgDatabase } from "../../migrate/runner.js";
import { appSessionConfigs } from "../../schema/apps.js";
import type { AppSessionConfig, AppSessionConfigsStore, AppSessionConfigValues } from "../contract/index.js";

export class PgAppSessionConfigsStore implements AppSessionConfigsStore {
  constructor(private readonly db: AnyPgDatabase) {}

  async findByAppId(appId: string): Promise<AppSessionConfig | null> {
    const [row] = await this.db.select().from(appSessionConfigs).where(eq(appSessionConfigs.appId, appId)).limit(1);
    return row ?? null;
  }

  async set(appId: string, values: AppSessionConfigValues, now: Date): Promise<AppSessionConfig> {
    // A replacement, not a merge: every override is written, and one left out becomes NULL (inherit the engine's).
    const overrides = {
      tokenTtlSeconds: values.tokenTtlSeconds ?? null,
      refreshTokenTtlSeconds: values.refreshTokenTtlSeconds ?? null,
      maxActiveSessions: values.maxActiveSessions ?? null,
      rotateRefreshToken: values.rotateRefreshToken ?? null,
      bindToIp: values.bindToIp ?? null,
      bindToDevice: values.bindToDevice ?? null,
    };
    const [row] = await this.db
      .insert(appSessionConfigs)
      .values({ appId, ...overrides, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({ target: appSessionConfigs.appId, set: { ...overrides, updatedAt: now } })
      .returning();
    return row as AppSessionConfig;
  }

  async deleteByAppId(appId: string): Promise<number> {
    const rows = await this.db
      .delete(appSessionConfigs)
      .where(eq(appSessionConfigs.appId, appId))
      .returning({ id: appSessionConfigs.id });
    return rows.length;
  }
}
