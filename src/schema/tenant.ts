import { text } from "drizzle-orm/pg-core";
import { apps, environments } from "./apps.js";

/** `app_id` of a tenant-scoped row: deleting the app deletes the row. */
export function appIdColumn() {
  return text("app_id")
    .notNull()
    .references(() => apps.id, { onDelete: "cascade" });
}

/** `env_id` of a tenant-scoped row: the environment owns its rows, so deleting it deletes them. */
export function envIdColumn() {
  return text("env_id")
    .notNull()
    .references(() => environments.id, { onDelete: "cascade" });
}
