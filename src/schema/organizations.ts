import { sql } from "drizzle-orm";
import { check, index, jsonb, pgTable, text, uniqueIndex } from "drizzle-orm/pg-core";
import { createdAt, type Metadata, timestamptz, typeIdPrimaryKey, updatedAt } from "./columns.js";
import { appIdColumn, envIdColumn } from "./tenant.js";
import { userIdColumn, users } from "./users.js";

/** Organizations (tenants inside an app); the slug is unique per app and environment. */
export const organizations = pgTable(
  "authsome_organizations",
  {
    id: typeIdPrimaryKey("aorg"),
    appId: appIdColumn(),
    envId: envIdColumn(),
    name: text("name").notNull(),
    slug: text("slug").notNull(),
    logo: text("logo").notNull().default(""),
    metadata: jsonb("metadata").$type<Metadata>().notNull().default({}),
    createdBy: text("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("authsome_organizations_slug_uq").on(t.appId, t.envId, t.slug),
    index("authsome_organizations_env_id_idx").on(t.envId),
    index("authsome_organizations_created_by_idx").on(t.createdBy),
  ],
);

/** `org_id` of a row owned by an organization: deleting the organization deletes the row. */
export function orgIdColumn() {
  return text("org_id")
    .notNull()
    .references(() => organizations.id, { onDelete: "cascade" });
}

export const memberRoles = ["owner", "admin", "member"] as const;

export const members = pgTable(
  "authsome_members",
  {
    id: typeIdPrimaryKey("amem"),
    orgId: orgIdColumn(),
    userId: userIdColumn(),
    role: text("role").notNull().default("member"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("authsome_members_org_id_user_id_uq").on(t.orgId, t.userId),
    index("authsome_members_user_id_idx").on(t.userId),
  ],
);

export const invitationStatuses = ["pending", "accepted", "declined", "expired", "revoked"] as const;
export type InvitationStatus = (typeof invitationStatuses)[number];

/** Invitations to an organization; the token reaches the invitee out of band and is stored only as its hash. */
export const invitations = pgTable(
  "authsome_invitations",
  {
    id: typeIdPrimaryKey("ainv"),
    orgId: orgIdColumn(),
    email: text("email").notNull(),
    role: text("role").notNull().default("member"),
    inviterId: text("inviter_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    status: text("status").$type<InvitationStatus>().notNull().default("pending"),
    tokenHash: text("token_hash").notNull(),
    expiresAt: timestamptz("expires_at").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("authsome_invitations_token_hash_uq").on(t.tokenHash),
    index("authsome_invitations_org_id_status_idx").on(t.orgId, t.status),
    index("authsome_invitations_inviter_id_idx").on(t.inviterId),
    check(
      "authsome_invitations_status_check",
      sql`${t.status} IN ('pending', 'accepted', 'declined', 'expired', 'revoked')`,
    ),
  ],
);

export const teams = pgTable(
  "authsome_teams",
  {
    id: typeIdPrimaryKey("atm"),
    orgId: orgIdColumn(),
    name: text("name").notNull(),
    slug: text("slug").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("authsome_teams_org_id_slug_uq").on(t.orgId, t.slug)],
);

/** Per-organization branding of the hosted pages. */
export const brandingConfigs = pgTable(
  "authsome_branding_configs",
  {
    id: typeIdPrimaryKey("abrd"),
    appId: appIdColumn(),
    orgId: orgIdColumn(),
    logoUrl: text("logo_url").notNull().default(""),
    primaryColor: text("primary_color").notNull().default(""),
    backgroundColor: text("background_color").notNull().default(""),
    accentColor: text("accent_color").notNull().default(""),
    fontFamily: text("font_family").notNull().default(""),
    customCss: text("custom_css").notNull().default(""),
    companyName: text("company_name").notNull().default(""),
    tagline: text("tagline").notNull().default(""),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("authsome_branding_configs_org_id_uq").on(t.orgId),
    index("authsome_branding_configs_app_id_idx").on(t.appId),
  ],
);
