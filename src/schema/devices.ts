import { sql } from "drizzle-orm";
import { boolean, index, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, timestamptz, typeIdPrimaryKey, updatedAt } from "./columns.js";
import { appIdColumn, envIdColumn } from "./tenant.js";
import { userIdColumn } from "./users.js";

/** Devices a user signed in from; the fingerprint is unique per user when known. */
export const devices = pgTable(
  "authsome_devices",
  {
    id: typeIdPrimaryKey("adev"),
    appId: appIdColumn(),
    envId: envIdColumn(),
    userId: userIdColumn(),
    name: text("name").notNull().default(""),
    type: text("type").notNull().default(""),
    browser: text("browser").notNull().default(""),
    os: text("os").notNull().default(""),
    ipAddress: text("ip_address").notNull().default(""),
    fingerprint: text("fingerprint").notNull().default(""),
    trusted: boolean("trusted").notNull().default(false),
    lastSeenAt: timestamptz("last_seen_at").notNull().defaultNow(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("authsome_devices_user_id_last_seen_at_idx").on(t.userId, t.lastSeenAt.desc()),
    uniqueIndex("authsome_devices_user_id_fingerprint_uq")
      .on(t.userId, t.fingerprint)
      .where(sql`${t.fingerprint} <> ''`),
    index("authsome_devices_app_id_idx").on(t.appId),
    index("authsome_devices_env_id_idx").on(t.envId),
  ],
);
