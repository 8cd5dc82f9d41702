import { index, integer, jsonb, pgTable, text } from "drizzle-orm/pg-core";
import { apps, environments } from "./apps.js";
import { createdAt, timestamptz } from "./columns.js";

/**
 * Short-lived one-time state shared by every instance (OAuth state and PKCE verifier, WebAuthn challenges, MFA
 * tickets), keyed by the SHA-256 of the value the client holds and consumed atomically. Each belongs to the app and
 * environment that began it; `attempts` counts wrong answers (an MFA code against a ticket) atomically.
 */
export const ceremonies = pgTable(
  "authsome_ceremonies",
  {
    keyHash: text("key_hash").primaryKey(),
    kind: text("kind").notNull(),
    appId: text("app_id").references(() => apps.id, { onDelete: "cascade" }),
    envId: text("env_id").references(() => environments.id, { onDelete: "cascade" }),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull().default({}),
    attempts: integer("attempts").notNull().default(0),
    expiresAt: timestamptz("expires_at").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index("authsome_ceremonies_expires_at_idx").on(t.expiresAt),
    index("authsome_ceremonies_app_id_idx").on(t.appId),
    index("authsome_ceremonies_env_id_idx").on(t.envId),
  ],
);
