import { boolean, index, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { createdAt, typeIdPrimaryKey, updatedAt } from "./columns.js";
import { appIdColumn, envIdColumn } from "./tenant.js";

/** Outgoing webhook endpoints; the signing secret is sealed (AES-256-GCM), never stored in the clear. */
export const webhooks = pgTable(
  "authsome_webhooks",
  {
    id: typeIdPrimaryKey("awhk"),
    appId: appIdColumn(),
    envId: envIdColumn(),
    url: text("url").notNull(),
    events: jsonb("events").$type<string[]>().notNull().default([]),
    secretSealed: text("secret_sealed").notNull(),
    active: boolean("active").notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("authsome_webhooks_app_id_active_idx").on(t.appId, t.active),
    index("authsome_webhooks_env_id_active_idx").on(t.envId, t.active),
  ],
);
