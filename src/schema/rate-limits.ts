import { index, integer, pgTable, text } from "drizzle-orm/pg-core";
import { timestamptz } from "./columns.js";

/** Fixed-window counters for rate limits and account lockout, shared by every instance. */
export const rateLimits = pgTable(
  "authsome_rate_limits",
  {
    key: text("key").primaryKey(),
    hits: integer("hits").notNull().default(0),
    windowStartedAt: timestamptz("window_started_at").notNull(),
    expiresAt: timestamptz("expires_at").notNull(),
  },
  (t) => [index("authsome_rate_limits_expires_at_idx").on(t.expiresAt)],
);
