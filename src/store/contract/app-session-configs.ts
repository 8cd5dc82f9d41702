import type { appSessionConfigs } from "../../schema/apps.js";

export type AppSessionConfig = typeof appSessionConfigs.$inferSelect;
export type AppSessionConfigValues = Partial<
  Pick<
    AppSessionConfig,
    "tokenTtlSeconds" | "refreshTokenTtlSeconds" | "maxActiveSessions" | "rotateRefreshToken" | "bindToIp" | "bindToDevice"
  >
>;

/** An app's session overrides (at most one row per app; the app id is the scope). */
export interface AppSessionConfigsStore {
  findByAppId(appId: string): Promise<AppSessionConfig | null>;
  /** Creates or replaces the app's overrides (one statement); unspecified values become NULL (inherit). */
  set(appId: string, values: AppSessionConfigValues, now: Date): Promise<AppSessionConfig>;
  /** Drops the app's overrides, if any; returns how many rows went (0 or 1). */
  deleteByAppId(appId: string): Promise<number>;
}
