import { check, index, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
import { createdAt, type Metadata, timestamptz, typeIdPrimaryKey } from "./columns.js";
import { appIdColumn, envIdColumn } from "./tenant.js";
import { users } from "./users.js";

export const notificationChannels = ["email", "sms", "push"] as const;
export type NotificationChannel = (typeof notificationChannels)[number];

/**
 * Outbox record of a message sent: metadata only. There is deliberately no body column, because bodies carry
 * reset and verification links whose tokens must exist only in the message itself.
 */
export const notifications = pgTable(
  "authsome_notifications",
  {
    id: typeIdPrimaryKey("antf"),
    appId: appIdColumn(),
    envId: envIdColumn(),
    userId: text("user_id").references(() => users.id, { onDelete: "cascade" }),
    type: text("type").notNull(),
    channel: text("channel").$type<NotificationChannel>().notNull(),
    recipient: text("recipient").notNull().default(""),
    subject: text("subject").notNull().default(""),
    metadata: jsonb("metadata").$type<Metadata>().notNull().default({}),
    sentAt: timestamptz("sent_at"),
    createdAt: createdAt(),
  },
  (t) => [
    index("authsome_notifications_user_id_id_idx").on(t.userId, t.id),
    index("authsome_notifications_app_id_idx").on(t.appId),
    index("authsome_notifications_env_id_idx").on(t.envId),
    check("authsome_notifications_channel_check", sql`${t.channel} IN ('email', 'sms', 'push')`),
  ],
);
