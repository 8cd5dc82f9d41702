import { customType, text, timestamp } from "drizzle-orm/pg-core";
import { typeid } from "typeid-js";

/**
 * Primary key holding a TypeID (`<prefix>_<26 Crockford base32 chars of a UUIDv7>`), so ids sort by creation time.
 * Trap: the default is generated in JavaScript (`$defaultFn`), so drizzle-kit never sees it and a raw SQL insert
 * must supply the id itself.
 */
export function typeIdPrimaryKey(prefix: string) {
  return text("id")
    .primaryKey()
    .$defaultFn(() => typeid(prefix).toString());
}

/** Every timestamp is `timestamp with time zone`; callers pass `Date`s. */
export function timestamptz(name: string) {
  return timestamp(name, { withTimezone: true, mode: "date" });
}

export function createdAt() {
  return timestamptz("created_at").notNull().defaultNow();
}

export function updatedAt() {
  return timestamptz("updated_at")
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date());
}

/** Raw bytes (WebAuthn public keys). Drizzle 0.45 has no built-in `bytea`. */
export const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => "bytea",
});

/** Free-form string map kept on most rows. */
export type Metadata = Record<string, unknown>;
