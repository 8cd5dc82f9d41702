import { sql } from "drizzle-orm";
import { type AnyPgColumn, index, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, timestamptz, typeIdPrimaryKey, updatedAt } from "./columns.js";
import { organizations } from "./organizations.js";
import { appIdColumn, envIdColumn } from "./tenant.js";
import { userIdColumn } from "./users.js";

/** Hierarchical roles: a role inherits every permission of its ancestors through `parent_id`. */
export const roles = pgTable(
  "authsome_roles",
  {
    id: typeIdPrimaryKey("arol"),
    appId: appIdColumn(),
    envId: envIdColumn(),
    parentId: text("parent_id").references((): AnyPgColumn => roles.id, { onDelete: "set null" }),
    name: text("name").notNull(),
    slug: text("slug").notNull(),
    description: text("description").notNull().default(""),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("authsome_roles_app_id_env_id_slug_uq").on(t.appId, t.envId, t.slug),
    index("authsome_roles_env_id_idx").on(t.envId),
    index("authsome_roles_parent_id_idx").on(t.parentId),
  ],
);

/** A grant of `action` on `resource` to a role; `*` in either is a wildcard. */
export const rolePermissions = pgTable(
  "authsome_role_permissions",
  {
    id: typeIdPrimaryKey("aprm"),
    roleId: text("role_id")
      .notNull()
      .references(() => roles.id, { onDelete: "cascade" }),
    action: text("action").notNull(),
    resource: text("resource").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("authsome_role_permissions_role_id_action_resource_uq").on(t.roleId, t.action, t.resource)],
);

/** A role held by a user, app-wide (`org_id` NULL) or within one organization. */
export const userRoles = pgTable(
  "authsome_user_roles",
  {
    id: typeIdPrimaryKey("aurl"),
    userId: userIdColumn(),
    roleId: text("role_id")
      .notNull()
      .references(() => roles.id, { onDelete: "cascade" }),
    orgId: text("org_id").references(() => organizations.id, { onDelete: "cascade" }),
    assignedAt: timestamptz("assigned_at").notNull().defaultNow(),
  },
  (t) => [
    // Two partial indexes rather than NULLS NOT DISTINCT, which drizzle-kit cannot express on an index.
    uniqueIndex("authsome_user_roles_app_wide_uq")
      .on(t.userId, t.roleId)
      .where(sql`${t.orgId} IS NULL`),
    uniqueIndex("authsome_user_roles_org_uq")
      .on(t.userId, t.roleId, t.orgId)
      .where(sql`${t.orgId} IS NOT NULL`),
    index("authsome_user_roles_role_id_idx").on(t.roleId),
    index("authsome_user_roles_org_id_idx").on(t.orgId),
  ],
);
