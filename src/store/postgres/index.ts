/**
 * The PostgreSQL store: the `Store` contract over a Drizzle database (node-postgres or PGlite), with its
 * migrations, a network-hardened pool constructor, the embedded-database opener and a statement counter.
 *
 * @example
 * ```ts
 * import { createPostgresStore } from "authsome/store/postgres";
 * const store = createPostgresStore(process.env.DATABASE_URL!, { pool: { max: 25 } });
 * await store.migrate();
 * const user = await store.users.findByEmail({ appId, envId }, "ada@example.com");
 * await store.close();
 * ```
 * @module
 */
export { createPool, createPostgresStore, readPoolerFlag, type PoolOptions } from "./pool.js";
export { BoundedPool } from "./bounded-pool.js";
export { postgresStore, type PostgresStore, type PostgresStoreOptions } from "./store.js";
export { normalizeEmail } from "./users.js";
export { defaultPageLimit, maxPageLimit } from "./pagination.js";
export { countQueries, type QueryCounter } from "../query-counter.js";
export { defaultEmbeddedDataDir, openEmbeddedDatabase, type EmbeddedDatabase } from "../embedded.js";
export type {
  App,
  AppPatch,
  AppSessionConfig,
  AppSessionConfigValues,
  AppSessionConfigsStore,
  AppsStore,
  AuditEvent,
  AuditEventFilter,
  AuditEventsStore,
  CeremoniesStore,
  Ceremony,
  Environment,
  EnvironmentPatch,
  EnvironmentsStore,
  NewApp,
  NewAuditEvent,
  NewCeremony,
  NewEnvironment,
  NewNotification,
  NewPasswordReset,
  NewRole,
  NewSession,
  NewUser,
  NewVerification,
  Notification,
  NotificationsStore,
  Page,
  PageRequest,
  PasswordReset,
  PasswordResetsStore,
  PermissionCheck,
  RateLimitState,
  RateLimitsStore,
  RevokedRefreshToken,
  RevokedRefreshTokensStore,
  Role,
  RoleAssignment,
  RolePatch,
  RolePermission,
  RolesStore,
  Session,
  SessionAudit,
  SessionCreationEffects,
  SessionRotation,
  SessionWithUser,
  SessionsStore,
  Store,
  StoreMetrics,
  StoreRepositories,
  TenantRecord,
  TenantScope,
  User,
  UserFilter,
  UserPatch,
  UserRole,
  UsersStore,
  Verification,
  VerificationsStore,
} from "../contract/index.js";
