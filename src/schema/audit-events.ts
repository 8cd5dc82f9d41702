import { index, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { apps, environments } from "./apps.js";
import { createdAt, type Metadata, typeIdPrimaryKey } from "./columns.js";
import { users } from "./users.js";

/** Append-only log of security-relevant events; it outlives the user it names (`user_id` is set to NULL). */
export const auditEvents = pgTable(
  "authsome_audit_events",
  {
    id: typeIdPrimaryKey("aaud"),
    appId: text("app_id").references(() => apps.id, { onDelete: "cascade" }),
    envId: text("env_id").references(() => environments.id, { onDelete: "cascade" }),
    userId: text("user_id").references(() => users.id, { onDelete: "set null" }),
    type: text("type").notNull(),
    ipAddress: text("ip_address").notNull().default(""),
    userAgent: text("user_agent").notNull().default(""),
    metadata: jsonb("metadata").$type<Metadata>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [
    index("authsome_audit_events_app_id_id_idx").on(t.appId, t.id),
    index("authsome_audit_events_user_id_id_idx").on(t.userId, t.id),
    index("authsome_audit_events_env_id_idx").on(t.envId),
  ],
);
