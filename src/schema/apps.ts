import { type AnyPgColumn, boolean, check, index, integer, jsonb, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
import { createdAt, type Metadata, typeIdPrimaryKey, updatedAt } from "./columns.js";

/** An application registered with Authsome; deleting one removes every row that belongs to it. */
export const apps = pgTable(
  "authsome_apps",
  {
    id: typeIdPrimaryKey("aapp"),
    name: text("name").notNull(),
    slug: text("slug").notNull(),
    logo: text("logo").notNull().default(""),
    isPlatform: boolean("is_platform").notNull().default(false),
    metadata: jsonb("metadata").$type<Metadata>().notNull().default({}),
    /** Public by design (`pk_live_…`): identifies the app in multi-app deployments. NULL = none issued. */
    publishableKey: text("publishable_key"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("authsome_apps_slug_uq").on(t.slug),
    uniqueIndex("authsome_apps_publishable_key_uq").on(t.publishableKey),
  ],
);

export const environmentTypes = ["development", "staging", "production"] as const;
export type EnvironmentType = (typeof environmentTypes)[number];

/** Isolates development, staging and production users of one app; exactly one is the app's default. */
export const environments = pgTable(
  "authsome_environments",
  {
    id: typeIdPrimaryKey("aenv"),
    appId: text("app_id")
      .notNull()
      .references(() => apps.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    slug: text("slug").notNull(),
    type: text("type").$type<EnvironmentType>().notNull(),
    isDefault: boolean("is_default").notNull().default(false),
    color: text("color").notNull().default(""),
    description: text("description").notNull().default(""),
    /** Per-environment overrides of the app's settings; NULL = none. */
    settings: jsonb("settings").$type<Record<string, unknown>>(),
    clonedFrom: text("cloned_from").references((): AnyPgColumn => environments.id, { onDelete: "set null" }),
    metadata: jsonb("metadata").$type<Metadata>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("authsome_environments_app_id_slug_uq").on(t.appId, t.slug),
    uniqueIndex("authsome_environments_default_uq").on(t.appId).where(sql`${t.isDefault}`),
    index("authsome_environments_cloned_from_idx").on(t.clonedFrom),
    check("authsome_environments_type_check", sql`${t.type} IN ('development', 'staging', 'production')`),
  ],
);

/** Per-app overrides of the session settings; NULL in a column means "inherit the engine's config". */
export const appSessionConfigs = pgTable(
  "authsome_app_session_configs",
  {
    id: typeIdPrimaryKey("ascf"),
    appId: text("app_id")
      .notNull()
      .references(() => apps.id, { onDelete: "cascade" }),
    tokenTtlSeconds: integer("token_ttl_seconds"),
    refreshTokenTtlSeconds: integer("refresh_token_ttl_seconds"),
    maxActiveSessions: integer("max_active_sessions"),
    rotateRefreshToken: boolean("rotate_refresh_token"),
    bindToIp: boolean("bind_to_ip"),
    bindToDevice: boolean("bind_to_device"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("authsome_app_session_configs_app_id_uq").on(t.appId)],
);

export interface FormFieldOption {
  label: string;
  value: string;
}

export interface FormField {
  key: string;
  label: string;
  type: string;
  placeholder?: string;
  description?: string;
  options?: FormFieldOption[];
  default?: unknown;
  validation?: { required?: boolean; minLen?: number; maxLen?: number; pattern?: string; min?: number; max?: number };
  order: number;
}

/** Dynamic form definitions (the active `signup` form validates sign-up metadata). */
export const formConfigs = pgTable(
  "authsome_form_configs",
  {
    id: typeIdPrimaryKey("afcf"),
    appId: text("app_id")
      .notNull()
      .references(() => apps.id, { onDelete: "cascade" }),
    formType: text("form_type").notNull().default("signup"),
    fields: jsonb("fields").$type<FormField[]>().notNull().default([]),
    active: boolean("active").notNull().default(true),
    version: integer("version").notNull().default(1),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("authsome_form_configs_app_id_form_type_uq").on(t.appId, t.formType)],
);
