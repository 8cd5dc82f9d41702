import { relations } from "drizzle-orm";
import { apiKeys } from "./api-keys.js";
import { appSessionConfigs, apps, environments, formConfigs } from "./apps.js";
import { auditEvents } from "./audit-events.js";
import { devices } from "./devices.js";
import { notifications } from "./notifications.js";
import { brandingConfigs, invitations, members, organizations, teams } from "./organizations.js";
import { rolePermissions, roles, userRoles } from "./rbac.js";
import { sessions } from "./sessions.js";
import { users } from "./users.js";
import { passwordResets, verifications } from "./verifications.js";
import { webhooks } from "./webhooks.js";

// Relations only drive Drizzle's typed relational queries (`db.query.users.findMany({ with: … })`); they create
// no SQL. Plugin tables declare their own relations towards these in their schema files.

export const appsRelations = relations(apps, ({ many, one }) => ({
  environments: many(environments),
  users: many(users),
  organizations: many(organizations),
  webhooks: many(webhooks),
  apiKeys: many(apiKeys),
  formConfigs: many(formConfigs),
  sessionConfig: one(appSessionConfigs),
}));

export const environmentsRelations = relations(environments, ({ one, many }) => ({
  app: one(apps, { fields: [environments.appId], references: [apps.id] }),
  clonedFrom: one(environments, {
    fields: [environments.clonedFrom],
    references: [environments.id],
    relationName: "environment_clones",
  }),
  clones: many(environments, { relationName: "environment_clones" }),
  users: many(users),
}));

export const appSessionConfigsRelations = relations(appSessionConfigs, ({ one }) => ({
  app: one(apps, { fields: [appSessionConfigs.appId], references: [apps.id] }),
}));

export const formConfigsRelations = relations(formConfigs, ({ one }) => ({
  app: one(apps, { fields: [formConfigs.appId], references: [apps.id] }),
}));

export const usersRelations = relations(users, ({ one, many }) => ({
  app: one(apps, { fields: [users.appId], references: [apps.id] }),
  environment: one(environments, { fields: [users.envId], references: [environments.id] }),
  sessions: many(sessions, { relationName: "session_user" }),
  memberships: many(members),
  devices: many(devices),
  apiKeys: many(apiKeys),
  roles: many(userRoles),
  verifications: many(verifications),
  passwordResets: many(passwordResets),
  notifications: many(notifications),
}));

export const sessionsRelations = relations(sessions, ({ one }) => ({
  user: one(users, { fields: [sessions.userId], references: [users.id], relationName: "session_user" }),
  impersonator: one(users, { fields: [sessions.impersonatedBy], references: [users.id] }),
  app: one(apps, { fields: [sessions.appId], references: [apps.id] }),
  environment: one(environments, { fields: [sessions.envId], references: [environments.id] }),
  organization: one(organizations, { fields: [sessions.orgId], references: [organizations.id] }),
  device: one(devices, { fields: [sessions.deviceId], references: [devices.id] }),
}));

export const verificationsRelations = relations(verifications, ({ one }) => ({
  user: one(users, { fields: [verifications.userId], references: [users.id] }),
}));

export const passwordResetsRelations = relations(passwordResets, ({ one }) => ({
  user: one(users, { fields: [passwordResets.userId], references: [users.id] }),
}));

export const organizationsRelations = relations(organizations, ({ one, many }) => ({
  app: one(apps, { fields: [organizations.appId], references: [apps.id] }),
  environment: one(environments, { fields: [organizations.envId], references: [environments.id] }),
  creator: one(users, { fields: [organizations.createdBy], references: [users.id] }),
  members: many(members),
  invitations: many(invitations),
  teams: many(teams),
  branding: one(brandingConfigs),
}));

export const membersRelations = relations(members, ({ one }) => ({
  organization: one(organizations, { fields: [members.orgId], references: [organizations.id] }),
  user: one(users, { fields: [members.userId], references: [users.id] }),
}));

export const invitationsRelations = relations(invitations, ({ one }) => ({
  organization: one(organizations, { fields: [invitations.orgId], references: [organizations.id] }),
  inviter: one(users, { fields: [invitations.inviterId], references: [users.id] }),
}));

export const teamsRelations = relations(teams, ({ one }) => ({
  organization: one(organizations, { fields: [teams.orgId], references: [organizations.id] }),
}));

export const brandingConfigsRelations = relations(brandingConfigs, ({ one }) => ({
  organization: one(organizations, { fields: [brandingConfigs.orgId], references: [organizations.id] }),
}));

export const devicesRelations = relations(devices, ({ one }) => ({
  user: one(users, { fields: [devices.userId], references: [users.id] }),
}));

export const webhooksRelations = relations(webhooks, ({ one }) => ({
  app: one(apps, { fields: [webhooks.appId], references: [apps.id] }),
}));

export const notificationsRelations = relations(notifications, ({ one }) => ({
  user: one(users, { fields: [notifications.userId], references: [users.id] }),
}));

export const apiKeysRelations = relations(apiKeys, ({ one }) => ({
  app: one(apps, { fields: [apiKeys.appId], references: [apps.id] }),
  user: one(users, { fields: [apiKeys.userId], references: [users.id] }),
}));

export const rolesRelations = relations(roles, ({ one, many }) => ({
  parent: one(roles, { fields: [roles.parentId], references: [roles.id], relationName: "role_parent" }),
  children: many(roles, { relationName: "role_parent" }),
  permissions: many(rolePermissions),
  assignments: many(userRoles),
}));

export const rolePermissionsRelations = relations(rolePermissions, ({ one }) => ({
  role: one(roles, { fields: [rolePermissions.roleId], references: [roles.id] }),
}));

export const userRolesRelations = relations(userRoles, ({ one }) => ({
  user: one(users, { fields: [userRoles.userId], references: [users.id] }),
  role: one(roles, { fields: [userRoles.roleId], references: [roles.id] }),
  organization: one(organizations, { fields: [userRoles.orgId], references: [organizations.id] }),
}));

export const auditEventsRelations = relations(auditEvents, ({ one }) => ({
  user: one(users, { fields: [auditEvents.userId], references: [users.id] }),
}));
