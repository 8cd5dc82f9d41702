/**
 * Tables of the `passkey` plugin (migration group `passkey`). Core tables are imported for foreign keys only.
 * @module
 */
import { relations } from "drizzle-orm";
import { bigint, boolean, index, jsonb, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { bytea, createdAt, timestamptz, typeIdPrimaryKey, updatedAt } from "../../schema/columns.js";
import { appIdColumn } from "../../schema/tenant.js";
import { userIdColumn, users } from "../../schema/users.js";

/**
 * WebAuthn credentials (passkeys). `credential_id` is base64url, unique within its app (another app's credential is
 * as unknown as a made-up one); `public_key` the COSE key bytes. `backup_eligible` / `backed_up` are the
 * authenticator's BE / BS flags (`device_type` `multiDevice` / `singleDevice` says the same as BE); `flagged_at` is
 * set when its sign counter went backwards (a cloned authenticator): the credential is kept, for its owner to see, and
 * no longer signs anyone in.
 */
export const passkeys = pgTable(
  "authsome_passkeys",
  {
    id: typeIdPrimaryKey("apsk"),
    appId: appIdColumn(),
    userId: userIdColumn(),
    credentialId: text("credential_id").notNull(),
    publicKey: bytea("public_key").notNull(),
    counter: bigint("counter", { mode: "number" }).notNull().default(0),
    transports: jsonb("transports").$type<string[]>().notNull().default([]),
    deviceType: text("device_type").notNull().default(""),
    backupEligible: boolean("backup_eligible").notNull().default(false),
    backedUp: boolean("backed_up").notNull().default(false),
    aaguid: text("aaguid").notNull().default(""),
    name: text("name").notNull().default(""),
    lastUsedAt: timestamptz("last_used_at"),
    flaggedAt: timestamptz("flagged_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("authsome_passkeys_app_id_credential_id_uq").on(t.appId, t.credentialId),
    index("authsome_passkeys_user_id_idx").on(t.userId),
  ],
);

export const passkeysRelations = relations(passkeys, ({ one }) => ({
  user: one(users, { fields: [passkeys.userId], references: [users.id] }),
}));
