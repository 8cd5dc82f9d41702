/**
 * The core Authsome tables as Drizzle `pgTable`s, with their relations, to compose into an application's own
 * Drizzle schema: reference `users.id` in your foreign keys and join against the tables with full types.
 *
 * In the default (Authsome-managed) mode, import these where you need them but do not re-export them from the files
 * your drizzle-kit config reads, or your migrations would create them a second time.
 *
 * @example
 * ```ts
 * import { users } from "authsome/schema";
 * export const posts = pgTable("posts", {
 *   id: text("id").primaryKey(),
 *   authorId: text("author_id").notNull().references(() => users.id, { onDelete: "cascade" }),
 * });
 * ```
 * @module
 */
export { apiKeys } from "./api-keys.js";
export {
  apps,
  appSessionConfigs,
  environments,
  environmentTypes,
  formConfigs,
  type EnvironmentType,
  type FormField,
  type FormFieldOption,
} from "./apps.js";
export { auditEvents } from "./audit-events.js";
export { ceremonies } from "./ceremonies.js";
export type { Metadata } from "./columns.js";
export { devices } from "./devices.js";
export { notificationChannels, notifications, type NotificationChannel } from "./notifications.js";
export {
  brandingConfigs,
  invitations,
  invitationStatuses,
  memberRoles,
  members,
  organizations,
  teams,
  type InvitationStatus,
} from "./organizations.js";
export { rateLimits } from "./rate-limits.js";
export { rolePermissions, roles, userRoles } from "./rbac.js";
export {
  apiKeysRelations,
  appSessionConfigsRelations,
  appsRelations,
  auditEventsRelations,
  brandingConfigsRelations,
  devicesRelations,
  environmentsRelations,
  formConfigsRelations,
  invitationsRelations,
  membersRelations,
  notificationsRelations,
  organizationsRelations,
  passwordResetsRelations,
  rolePermissionsRelations,
  rolesRelations,
  sessionsRelations,
  teamsRelations,
  userRolesRelations,
  usersRelations,
  verificationsRelations,
  webhooksRelations,
} from "./relations.js";
export {
  refreshRevocationReasons,
  revokedRefreshTokens,
  sessions,
  type RefreshRevocationReason,
} from "./sessions.js";
export { users } from "./users.js";
export { passwordResets, verifications, verificationTypes, type VerificationType } from "./verifications.js";
export { webhooks } from "./webhooks.js";
