/**
 * Hand-written expected catalog of every Authsome table, compared against information_schema / pg_indexes /
 * pg_constraint of a freshly migrated database. Written from src/schema/README.md (decisions), then
 * shared/spec/schema.md, then shared/reference/authsome-go-reference.md §1–2 — never generated from src/schema/*.ts,
 * so a mistake in the Drizzle schema shows up as a difference here.
 *
 * Conventions used below:
 * - "decisions" = src/schema/README.md, "spec" = shared/spec/schema.md, "ref §x" = the Go reference.
 * - The decisions' per-table list names the columns beyond id / created_at / updated_at; a table gets both of those
 *   unless the decisions say otherwise ("No updated_at", "created_at only", a non-`id` primary key, ...).
 * - The primary key's own index is not listed; unique constraints and unique indexes are both listed as unique indexes.
 */
import type { ExpectedCatalog, ExpectedColumn, ExpectedForeignKey } from "./catalog-types.js";

// ---- Column shapes (information_schema spelling; defaults as PostgreSQL prints column_default) -------------------

const TEXT: ExpectedColumn = { type: "text", nullable: false };
const TEXT_EMPTY: ExpectedColumn = { type: "text", nullable: false, default: "''::text" };
const TEXT_NULL: ExpectedColumn = { type: "text", nullable: true };
const TS: ExpectedColumn = { type: "timestamp with time zone", nullable: false };
const TS_NOW: ExpectedColumn = { type: "timestamp with time zone", nullable: false, default: "now()" };
const TS_NULL: ExpectedColumn = { type: "timestamp with time zone", nullable: true };
const BOOL_FALSE: ExpectedColumn = { type: "boolean", nullable: false, default: "false" };
const BOOL_TRUE: ExpectedColumn = { type: "boolean", nullable: false, default: "true" };
const BOOL_NULL: ExpectedColumn = { type: "boolean", nullable: true };
const INT_NULL: ExpectedColumn = { type: "integer", nullable: true };
const JSON_OBJECT: ExpectedColumn = { type: "jsonb", nullable: false, default: "'{}'::jsonb" };
const JSON_ARRAY: ExpectedColumn = { type: "jsonb", nullable: false, default: "'[]'::jsonb" };

/** TypeID primary key: text, no DB default (generated in the application). */
const ID: ExpectedColumn = TEXT;
/** decisions "Everywhere": created_at / updated_at are timestamptz NOT NULL DEFAULT now(). */
const CREATED_AT: ExpectedColumn = TS_NOW;
const UPDATED_AT: ExpectedColumn = TS_NOW;
/** decisions "Everywhere": metadata is jsonb NOT NULL DEFAULT '{}' (the reference allows NULL). */
const METADATA: ExpectedColumn = JSON_OBJECT;

// ---- Foreign keys shared by many tables ----------------------------------------------------------------------

/** decisions "Everywhere": tenant-scoped rows → apps ON DELETE CASCADE. */
const appFk: ExpectedForeignKey = {
  columns: ["app_id"],
  references: { table: "authsome_apps", columns: ["id"] },
  onDelete: "CASCADE",
};
/** decisions "Everywhere": env FK is CASCADE (the reference's is NO ACTION; an environment owns its rows). */
const envFk: ExpectedForeignKey = {
  columns: ["env_id"],
  references: { table: "authsome_environments", columns: ["id"] },
  onDelete: "CASCADE",
};
/** decisions "Everywhere": user_id references are ON DELETE CASCADE unless noted. */
const userFk: ExpectedForeignKey = {
  columns: ["user_id"],
  references: { table: "authsome_users", columns: ["id"] },
  onDelete: "CASCADE",
};
/** decisions: org_id → organizations CASCADE on members, invitations, teams, branding_configs. */
const orgFk: ExpectedForeignKey = {
  columns: ["org_id"],
  references: { table: "authsome_organizations", columns: ["id"] },
  onDelete: "CASCADE",
};

export const expectedCatalog: ExpectedCatalog = {
  // ================================================ core ================================================

  // ref §2.1 + decisions: metadata NOT NULL; publishable_key nullable with a plain UNIQUE instead of the
  // reference's NOT NULL DEFAULT '' plus partial unique index over non-empty values.
  authsome_apps: {
    group: "core",
    primaryKey: ["id"],
    columns: {
      id: ID,
      name: TEXT,
      slug: TEXT,
      logo: TEXT_EMPTY,
      is_platform: BOOL_FALSE,
      metadata: METADATA,
      publishable_key: TEXT_NULL,
      created_at: CREATED_AT,
      updated_at: UPDATED_AT,
    },
    indexes: [
      { name: "authsome_apps_slug_uq", columns: ["slug"], unique: true },
      { columns: ["publishable_key"], unique: true },
    ],
    foreignKeys: [],
  },

  // ref §2.14 + decisions: cloned_from becomes a nullable self-reference (SET NULL) instead of NOT NULL DEFAULT '';
  // settings stays nullable without a default (ref: "def NULL"); env rows have no env_id of their own.
  authsome_environments: {
    group: "core",
    primaryKey: ["id"],
    columns: {
      id: ID,
      app_id: TEXT,
      name: TEXT,
      slug: TEXT,
      type: TEXT,
      is_default: BOOL_FALSE,
      color: TEXT_EMPTY,
      description: TEXT_EMPTY,
      settings: { type: "jsonb", nullable: true },
      cloned_from: TEXT_NULL,
      metadata: METADATA,
      created_at: CREATED_AT,
      updated_at: UPDATED_AT,
    },
    indexes: [
      { columns: ["app_id", "slug"], unique: true },
      // One default environment per app. Predicate written as the decisions spell it ("WHERE is_default").
      { columns: ["app_id"], unique: true, where: "is_default" },
      { columns: ["cloned_from"], unique: false },
    ],
    foreignKeys: [
      appFk,
      {
        columns: ["cloned_from"],
        references: { table: "authsome_environments", columns: ["id"] },
        onDelete: "SET NULL",
      },
    ],
    checks: { type: ["development", "staging", "production"] },
  },

  // ref §2.2 + decisions: no password_hash column (the password plugin owns it); named partial uniques the store
  // maps to conflict codes; (app_id, env_id, id) for keyset pages replaces the reference's created_at DESC indexes.
  authsome_users: {
    group: "core",
    primaryKey: ["id"],
    columns: {
      id: ID,
      app_id: TEXT,
      env_id: TEXT,
      email: TEXT,
      email_verified: BOOL_FALSE,
      first_name: TEXT_EMPTY,
      last_name: TEXT_EMPTY,
      image: TEXT_EMPTY,
      username: TEXT_EMPTY,
      display_username: TEXT_EMPTY,
      phone: TEXT_EMPTY,
      phone_verified: BOOL_FALSE,
      banned: BOOL_FALSE,
      ban_reason: TEXT_EMPTY,
      ban_expires: TS_NULL,
      metadata: METADATA,
      created_at: CREATED_AT,
      updated_at: UPDATED_AT,
      deleted_at: TS_NULL,
    },
    indexes: [
      {
        name: "authsome_users_email_live_uq",
        columns: ["app_id", "env_id", "email"],
        unique: true,
        where: "deleted_at IS NULL",
      },
      {
        name: "authsome_users_username_live_uq",
        columns: ["app_id", "env_id", "username"],
        unique: true,
        where: "deleted_at IS NULL AND username <> ''",
      },
      { columns: ["app_id", "env_id", "id"], unique: false },
      { columns: ["env_id"], unique: false },
    ],
    foreignKeys: [appFk, envFk],
  },

  // ref §2.3 + decisions + spec (hashed tokens): token/refresh_token become *_hash; org/device/impersonator become
  // nullable SET NULL references instead of ''; no last_activity_at; refresh expiry is named refresh_expires_at;
  // family_id NOT NULL with no default (the decisions drop the reference's '' default).
  authsome_sessions: {
    group: "core",
    primaryKey: ["id"],
    columns: {
      id: ID,
      app_id: TEXT,
      env_id: TEXT,
      user_id: TEXT,
      org_id: TEXT_NULL,
      token_hash: TEXT,
      refresh_token_hash: TEXT,
      family_id: TEXT,
      ip_address: TEXT_EMPTY,
      user_agent: TEXT_EMPTY,
      device_id: TEXT_NULL,
      impersonated_by: TEXT_NULL,
      method: TEXT_EMPTY,
      expires_at: TS,
      refresh_expires_at: TS,
      created_at: CREATED_AT,
      updated_at: UPDATED_AT,
    },
    indexes: [
      { columns: ["token_hash"], unique: true },
      { columns: ["refresh_token_hash"], unique: true },
      { columns: ["user_id", "id"], unique: false },
      { columns: ["family_id"], unique: false },
      { columns: ["refresh_expires_at"], unique: false },
      { columns: ["app_id"], unique: false },
      { columns: ["env_id"], unique: false },
      { columns: ["org_id"], unique: false },
      { columns: ["device_id"], unique: false },
      { columns: ["impersonated_by"], unique: false },
    ],
    foreignKeys: [
      appFk,
      envFk,
      userFk,
      {
        columns: ["org_id"],
        references: { table: "authsome_organizations", columns: ["id"] },
        onDelete: "SET NULL",
      },
      {
        columns: ["device_id"],
        references: { table: "authsome_devices", columns: ["id"] },
        onDelete: "SET NULL",
      },
      {
        columns: ["impersonated_by"],
        references: { table: "authsome_users", columns: ["id"] },
        onDelete: "SET NULL",
      },
    ],
  },

  // ref §2.18 (mig 20) + decisions: token_hash is the key (no id); adds app_id (cascade with the app) and
  // expires_at (purge after the family's refresh expiry). The decisions list the full column set for this
  // non-`id` table and revoked_at DEFAULT now() plays created_at, so no created_at / updated_at.
  authsome_revoked_refresh_tokens: {
    group: "core",
    primaryKey: ["token_hash"],
    columns: {
      token_hash: TEXT,
      app_id: TEXT,
      family_id: TEXT,
      reason: TEXT_EMPTY,
      revoked_at: TS_NOW,
      expires_at: TS,
    },
    indexes: [
      { columns: ["family_id"], unique: false },
      { columns: ["expires_at"], unique: false },
      { columns: ["app_id"], unique: false },
    ],
    foreignKeys: [appFk],
  },

  // ref §2.4 + decisions: the link token is hashed and UNIQUE again (the reference made it non-unique because
  // plaintext OTPs collided); the 6-digit code gets its own nullable code_hash; consumed → consumed_at.
  // type is CHECK-constrained to the three kinds the decisions list.
  authsome_verifications: {
    group: "core",
    primaryKey: ["id"],
    columns: {
      id: ID,
      app_id: TEXT,
      env_id: TEXT,
      user_id: TEXT,
      type: TEXT,
      token_hash: TEXT,
      code_hash: TEXT_NULL,
      attempts: { type: "integer", nullable: false, default: "0" },
      expires_at: TS,
      consumed_at: TS_NULL,
      created_at: CREATED_AT,
    },
    indexes: [
      { columns: ["token_hash"], unique: true },
      { columns: ["user_id", "type"], unique: false },
      { columns: ["app_id"], unique: false },
      { columns: ["env_id"], unique: false },
    ],
    foreignKeys: [appFk, envFk, userFk],
    checks: { type: ["email", "phone", "magic_link"] },
  },

  // ref §2.5 + decisions: token → token_hash (spec: compared-only tokens are hashed), consumed → consumed_at,
  // no updated_at.
  authsome_password_resets: {
    group: "core",
    primaryKey: ["id"],
    columns: {
      id: ID,
      app_id: TEXT,
      env_id: TEXT,
      user_id: TEXT,
      token_hash: TEXT,
      expires_at: TS,
      consumed_at: TS_NULL,
      created_at: CREATED_AT,
    },
    indexes: [
      { columns: ["token_hash"], unique: true },
      { columns: ["user_id"], unique: false },
      { columns: ["app_id"], unique: false },
      { columns: ["env_id"], unique: false },
    ],
    foreignKeys: [appFk, envFk, userFk],
  },

  // ref §2.6 + decisions: created_by nullable SET NULL (an org outlives its creator); named slug unique.
  authsome_organizations: {
    group: "core",
    primaryKey: ["id"],
    columns: {
      id: ID,
      app_id: TEXT,
      env_id: TEXT,
      name: TEXT,
      slug: TEXT,
      logo: TEXT_EMPTY,
      metadata: METADATA,
      created_by: TEXT_NULL,
      created_at: CREATED_AT,
      updated_at: UPDATED_AT,
    },
    indexes: [
      { name: "authsome_organizations_slug_uq", columns: ["app_id", "env_id", "slug"], unique: true },
      { columns: ["env_id"], unique: false },
      { columns: ["created_by"], unique: false },
    ],
    foreignKeys: [
      appFk,
      envFk,
      {
        columns: ["created_by"],
        references: { table: "authsome_users", columns: ["id"] },
        onDelete: "SET NULL",
      },
    ],
  },

  // ref §2.7 + decisions: unique is (org_id, user_id) (reference: (user_id, org_id) plus (org_id)); role has no
  // CHECK (the reference names owner|admin|member but constrains nothing, and the decisions add no CHECK).
  authsome_members: {
    group: "core",
    primaryKey: ["id"],
    columns: {
      id: ID,
      org_id: TEXT,
      user_id: TEXT,
      role: { type: "text", nullable: false, default: "'member'::text" },
      created_at: CREATED_AT,
      updated_at: UPDATED_AT,
    },
    indexes: [
      { columns: ["org_id", "user_id"], unique: true },
      { columns: ["user_id"], unique: false },
    ],
    foreignKeys: [orgFk, userFk],
  },

  // ref §2.8 + decisions: token → token_hash, status gains a CHECK (and the value "revoked"), expires_at NOT NULL.
  // The reference has no updated_at, but the decisions do not say "No updated_at" here (they do for verifications,
  // password_resets, notifications) and status is mutable, so updated_at is expected.
  authsome_invitations: {
    group: "core",
    primaryKey: ["id"],
    columns: {
      id: ID,
      org_id: TEXT,
      email: TEXT,
      role: { type: "text", nullable: false, default: "'member'::text" },
      inviter_id: TEXT,
      status: { type: "text", nullable: false, default: "'pending'::text" },
      token_hash: TEXT,
      expires_at: TS,
      created_at: CREATED_AT,
      updated_at: UPDATED_AT,
    },
    indexes: [
      { columns: ["token_hash"], unique: true },
      { columns: ["org_id", "status"], unique: false },
      { columns: ["inviter_id"], unique: false },
    ],
    foreignKeys: [
      orgFk,
      {
        columns: ["inviter_id"],
        references: { table: "authsome_users", columns: ["id"] },
        onDelete: "CASCADE",
      },
    ],
    checks: { status: ["pending", "accepted", "declined", "expired", "revoked"] },
  },

  // ref §2.9 + decisions: only UNIQUE (org_id, slug); the reference's extra (org_id) index is redundant with it.
  authsome_teams: {
    group: "core",
    primaryKey: ["id"],
    columns: {
      id: ID,
      org_id: TEXT,
      name: TEXT,
      slug: TEXT,
      created_at: CREATED_AT,
      updated_at: UPDATED_AT,
    },
    indexes: [{ columns: ["org_id", "slug"], unique: true }],
    foreignKeys: [orgFk],
  },

  // ref §2.10 + decisions: (user_id, last_seen_at DESC) for "my devices" instead of (user_id); app_id indexed.
  authsome_devices: {
    group: "core",
    primaryKey: ["id"],
    columns: {
      id: ID,
      app_id: TEXT,
      env_id: TEXT,
      user_id: TEXT,
      name: TEXT_EMPTY,
      type: TEXT_EMPTY,
      browser: TEXT_EMPTY,
      os: TEXT_EMPTY,
      ip_address: TEXT_EMPTY,
      fingerprint: TEXT_EMPTY,
      trusted: BOOL_FALSE,
      last_seen_at: TS_NOW,
      created_at: CREATED_AT,
      updated_at: UPDATED_AT,
    },
    indexes: [
      { columns: ["user_id", "last_seen_at DESC"], unique: false },
      { columns: ["user_id", "fingerprint"], unique: true, where: "fingerprint <> ''" },
      { columns: ["app_id"], unique: false },
      { columns: ["env_id"], unique: false },
    ],
    foreignKeys: [appFk, envFk, userFk],
  },

  // ref §2.11 + spec (read-back secrets are sealed): plaintext secret → secret_sealed, NOT NULL without default.
  authsome_webhooks: {
    group: "core",
    primaryKey: ["id"],
    columns: {
      id: ID,
      app_id: TEXT,
      env_id: TEXT,
      url: TEXT,
      events: JSON_ARRAY,
      secret_sealed: TEXT,
      active: BOOL_TRUE,
      created_at: CREATED_AT,
      updated_at: UPDATED_AT,
    },
    indexes: [
      { columns: ["app_id", "active"], unique: false },
      { columns: ["env_id", "active"], unique: false },
    ],
    foreignKeys: [appFk, envFk],
  },

  // ref §2.12 + decisions: outbox metadata only (no body, no `sent` flag), user_id nullable, adds recipient and
  // metadata, channel gains a CHECK; no updated_at. user_id keeps the default CASCADE (the decisions note no
  // SET NULL here).
  authsome_notifications: {
    group: "core",
    primaryKey: ["id"],
    columns: {
      id: ID,
      app_id: TEXT,
      env_id: TEXT,
      user_id: TEXT_NULL,
      type: TEXT,
      channel: TEXT,
      recipient: TEXT_EMPTY,
      subject: TEXT_EMPTY,
      metadata: METADATA,
      sent_at: TS_NULL,
      created_at: CREATED_AT,
    },
    indexes: [
      { columns: ["user_id", "id"], unique: false },
      { columns: ["app_id"], unique: false },
      { columns: ["env_id"], unique: false },
    ],
    foreignKeys: [appFk, envFk, userFk],
    checks: { channel: ["email", "sms", "push"] },
  },

  // ref §2.13 + decisions: scopes becomes a jsonb list, revoked → revoked_at, adds metadata; the reference's
  // plaintext public_key / public_key_prefix columns are not in the decisions' column list, so they are absent.
  authsome_api_keys: {
    group: "core",
    primaryKey: ["id"],
    columns: {
      id: ID,
      app_id: TEXT,
      env_id: TEXT,
      user_id: TEXT,
      name: TEXT,
      key_hash: TEXT,
      key_prefix: TEXT,
      scopes: JSON_ARRAY,
      expires_at: TS_NULL,
      last_used_at: TS_NULL,
      revoked_at: TS_NULL,
      metadata: METADATA,
      created_at: CREATED_AT,
      updated_at: UPDATED_AT,
    },
    indexes: [
      { columns: ["key_hash"], unique: true },
      { columns: ["app_id", "key_prefix"], unique: true },
      { columns: ["user_id", "id"], unique: false },
      { columns: ["env_id"], unique: false },
    ],
    foreignKeys: [appFk, envFk, userFk],
  },

  // ref §2.15 as is (decisions: no env_id, as the reference).
  authsome_form_configs: {
    group: "core",
    primaryKey: ["id"],
    columns: {
      id: ID,
      app_id: TEXT,
      form_type: { type: "text", nullable: false, default: "'signup'::text" },
      fields: JSON_ARRAY,
      active: BOOL_TRUE,
      version: { type: "integer", nullable: false, default: "1" },
      created_at: CREATED_AT,
      updated_at: UPDATED_AT,
    },
    indexes: [{ columns: ["app_id", "form_type"], unique: true }],
    foreignKeys: [appFk],
  },

  // ref §2.16 + decisions: app_id and org_id become CASCADE foreign keys (the reference has none and deletes by
  // hand), so app_id gets an index.
  authsome_branding_configs: {
    group: "core",
    primaryKey: ["id"],
    columns: {
      id: ID,
      app_id: TEXT,
      org_id: TEXT,
      logo_url: TEXT_EMPTY,
      primary_color: TEXT_EMPTY,
      background_color: TEXT_EMPTY,
      accent_color: TEXT_EMPTY,
      font_family: TEXT_EMPTY,
      custom_css: TEXT_EMPTY,
      company_name: TEXT_EMPTY,
      tagline: TEXT_EMPTY,
      created_at: CREATED_AT,
      updated_at: UPDATED_AT,
    },
    indexes: [
      { columns: ["org_id"], unique: true },
      { columns: ["app_id"], unique: false },
    ],
    foreignKeys: [appFk, orgFk],
  },

  // ref §2.17 + decisions: app_id becomes a CASCADE FK (still UNIQUE); token_format is not in the decisions'
  // column list (JWT format is configured elsewhere), so it is absent.
  authsome_app_session_configs: {
    group: "core",
    primaryKey: ["id"],
    columns: {
      id: ID,
      app_id: TEXT,
      token_ttl_seconds: INT_NULL,
      refresh_token_ttl_seconds: INT_NULL,
      max_active_sessions: INT_NULL,
      rotate_refresh_token: BOOL_NULL,
      bind_to_ip: BOOL_NULL,
      bind_to_device: BOOL_NULL,
      created_at: CREATED_AT,
      updated_at: UPDATED_AT,
    },
    indexes: [{ columns: ["app_id"], unique: true }],
    foreignKeys: [appFk],
  },

  // spec (hierarchical RBAC, parent_id self-reference) + decisions; the reference keeps roles in Warden.
  authsome_roles: {
    group: "core",
    primaryKey: ["id"],
    columns: {
      id: ID,
      app_id: TEXT,
      env_id: TEXT,
      parent_id: TEXT_NULL,
      name: TEXT,
      slug: TEXT,
      description: TEXT_EMPTY,
      created_at: CREATED_AT,
      updated_at: UPDATED_AT,
    },
    indexes: [
      { columns: ["app_id", "env_id", "slug"], unique: true },
      { columns: ["env_id"], unique: false },
      { columns: ["parent_id"], unique: false },
    ],
    foreignKeys: [
      appFk,
      envFk,
      {
        columns: ["parent_id"],
        references: { table: "authsome_roles", columns: ["id"] },
        onDelete: "SET NULL",
      },
    ],
  },

  // spec (action/resource with `*` wildcards) + decisions: "created_at only"; keeps an id (prefix aprm, ref §1).
  authsome_role_permissions: {
    group: "core",
    primaryKey: ["id"],
    columns: {
      id: ID,
      role_id: TEXT,
      action: TEXT,
      resource: TEXT,
      created_at: CREATED_AT,
    },
    indexes: [{ columns: ["role_id", "action", "resource"], unique: true }],
    foreignKeys: [
      {
        columns: ["role_id"],
        references: { table: "authsome_roles", columns: ["id"] },
        onDelete: "CASCADE",
      },
    ],
  },

  // spec (user roles optionally scoped to an org) + decisions: id (prefix aurl), assigned_at instead of
  // created_at/updated_at; two partial uniques because NULL org_id never collides in a plain unique.
  authsome_user_roles: {
    group: "core",
    primaryKey: ["id"],
    columns: {
      id: ID,
      user_id: TEXT,
      role_id: TEXT,
      org_id: TEXT_NULL,
      assigned_at: TS_NOW,
    },
    indexes: [
      { columns: ["user_id", "role_id"], unique: true, where: "org_id IS NULL" },
      { columns: ["user_id", "role_id", "org_id"], unique: true, where: "org_id IS NOT NULL" },
      { columns: ["role_id"], unique: false },
      { columns: ["org_id"], unique: false },
    ],
    foreignKeys: [
      userFk,
      {
        columns: ["role_id"],
        references: { table: "authsome_roles", columns: ["id"] },
        onDelete: "CASCADE",
      },
      orgFk,
    ],
  },

  // spec (one-time cross-instance state: key hash, kind, payload, expires_at) + decisions: app_id and env_id nullable
  // CASCADE, attempts 0, created_at only (listed explicitly for this non-`id` table).
  authsome_ceremonies: {
    group: "core",
    primaryKey: ["key_hash"],
    columns: {
      key_hash: TEXT,
      kind: TEXT,
      app_id: TEXT_NULL,
      env_id: TEXT_NULL,
      payload: JSON_OBJECT,
      attempts: { type: "integer", nullable: false, default: "0" },
      expires_at: TS,
      created_at: CREATED_AT,
    },
    indexes: [
      { columns: ["expires_at"], unique: false },
      { columns: ["app_id"], unique: false },
      { columns: ["env_id"], unique: false },
    ],
    foreignKeys: [appFk, envFk],
  },

  // spec (shared rate-limit / lockout counters) + decisions: exactly key, hits, window_started_at, expires_at —
  // no created_at / updated_at and no default on window_started_at (the decisions give none).
  authsome_rate_limits: {
    group: "core",
    primaryKey: ["key"],
    columns: {
      key: TEXT,
      hits: { type: "integer", nullable: false, default: "0" },
      window_started_at: TS,
      expires_at: TS,
    },
    indexes: [{ columns: ["expires_at"], unique: false }],
    foreignKeys: [],
  },

  // spec (append-only audit log) + decisions: tenant columns nullable (platform events), user_id SET NULL so the
  // log outlives a user; created_at only; id prefix aaud.
  authsome_audit_events: {
    group: "core",
    primaryKey: ["id"],
    columns: {
      id: ID,
      app_id: TEXT_NULL,
      env_id: TEXT_NULL,
      user_id: TEXT_NULL,
      type: TEXT,
      ip_address: TEXT_EMPTY,
      user_agent: TEXT_EMPTY,
      metadata: METADATA,
      created_at: CREATED_AT,
    },
    indexes: [
      { columns: ["app_id", "id"], unique: false },
      { columns: ["user_id", "id"], unique: false },
      { columns: ["env_id"], unique: false },
    ],
    foreignKeys: [
      appFk,
      envFk,
      {
        columns: ["user_id"],
        references: { table: "authsome_users", columns: ["id"] },
        onDelete: "SET NULL",
      },
    ],
  },

  // ============================================== plugins ==============================================

  // spec (password plugin owns authsome_password_hashes; the reference keeps users.password_hash) + decisions:
  // history rows with replaced_at, one current hash per user; created_at only (no updated_at: rows are immutable).
  authsome_password_hashes: {
    group: "password",
    primaryKey: ["id"],
    columns: {
      id: ID,
      user_id: TEXT,
      hash: TEXT,
      created_at: CREATED_AT,
      replaced_at: TS_NULL,
    },
    indexes: [
      { columns: ["user_id"], unique: true, where: "replaced_at IS NULL" },
      { columns: ["user_id", "created_at"], unique: false },
    ],
    foreignKeys: [userFk],
  },

  // ref §2.18 + decisions + spec (sealed TOTP seeds): secret → secret_sealed, verified → verified_at, adds
  // last_used_step (replay guard); method CHECK allows only totp; no default on method; no extra (user_id) index
  // (the unique covers it).
  authsome_mfa_enrollments: {
    group: "mfa",
    primaryKey: ["id"],
    columns: {
      id: ID,
      user_id: TEXT,
      method: TEXT,
      secret_sealed: TEXT,
      verified_at: TS_NULL,
      last_used_step: { type: "bigint", nullable: true },
      created_at: CREATED_AT,
      updated_at: UPDATED_AT,
    },
    indexes: [{ columns: ["user_id", "method"], unique: true }],
    foreignKeys: [userFk],
    checks: { method: ["totp"] },
  },

  // ref §2.18 + decisions: code_hash (HMAC-SHA-256 under a key derived from the secret, as issue 13 asks; the
  // spec's SHA-256 would fall to brute force from a dump) unique per user, used → used_at only; created_at only.
  authsome_mfa_recovery_codes: {
    group: "mfa",
    primaryKey: ["id"],
    columns: {
      id: ID,
      user_id: TEXT,
      code_hash: TEXT,
      used_at: TS_NULL,
      created_at: CREATED_AT,
    },
    indexes: [{ columns: ["user_id", "code_hash"], unique: true }],
    foreignKeys: [userFk],
  },

  // decisions (issue 13: "mfa({ required }) or per app in its settings"): one row per app that overrides the
  // plugin's option; the primary key is the app's foreign key.
  authsome_mfa_app_policies: {
    group: "mfa",
    primaryKey: ["app_id"],
    columns: {
      app_id: TEXT,
      required: { type: "boolean", nullable: false },
      created_at: CREATED_AT,
      updated_at: UPDATED_AT,
    },
    indexes: [],
    foreignKeys: [appFk],
  },

  // ref §2.18 (authsome_passkey_credentials) + decisions: renamed table, credential_id as base64url text,
  // counter bigint, transports jsonb list, aaguid text, adds device_type / backed_up / last_used_at; no env_id.
  // Issue 14: backup_eligible (the BE flag), flagged_at (a counter regression), credential_id unique per app.
  authsome_passkeys: {
    group: "passkey",
    primaryKey: ["id"],
    columns: {
      id: ID,
      app_id: TEXT,
      user_id: TEXT,
      credential_id: TEXT,
      public_key: { type: "bytea", nullable: false },
      counter: { type: "bigint", nullable: false, default: "0" },
      transports: JSON_ARRAY,
      device_type: TEXT_EMPTY,
      backup_eligible: BOOL_FALSE,
      backed_up: BOOL_FALSE,
      aaguid: TEXT_EMPTY,
      name: TEXT_EMPTY,
      last_used_at: TS_NULL,
      flagged_at: TS_NULL,
      created_at: CREATED_AT,
      updated_at: UPDATED_AT,
    },
    indexes: [
      { columns: ["app_id", "credential_id"], unique: true },
      { columns: ["user_id"], unique: false },
    ],
    foreignKeys: [appFk, userFk],
  },

  // ref §2.18 (authsome_oauth_connections) + spec (unique per app + provider + account; sealed provider tokens)
  // + decisions: provider_user_id → provider_account_id, tokens nullable *_sealed, adds scope; no env_id.
  authsome_oauth_accounts: {
    group: "social",
    primaryKey: ["id"],
    columns: {
      id: ID,
      app_id: TEXT,
      env_id: TEXT,
      user_id: TEXT,
      provider: TEXT,
      provider_account_id: TEXT,
      email: TEXT_EMPTY,
      access_token_sealed: TEXT_NULL,
      refresh_token_sealed: TEXT_NULL,
      token_expires_at: TS_NULL,
      scope: TEXT_EMPTY,
      metadata: METADATA,
      created_at: CREATED_AT,
      updated_at: UPDATED_AT,
    },
    // One provider account per user per app environment, one account per provider per user (the tenant is app + env).
    indexes: [
      { columns: ["app_id", "env_id", "provider", "provider_account_id"], unique: true },
      { columns: ["user_id", "provider"], unique: true },
      { columns: ["env_id"], unique: false },
    ],
    foreignKeys: [appFk, envFk, userFk],
  },
};
