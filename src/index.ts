/**
 * Authsome: an authentication engine for Node.js with a schema-first PostgreSQL store on Drizzle ORM.
 *
 * This entry point holds the engine (`createAuthsome`), the plugin interface, the mailers, the error hierarchy and
 * the store contract's types. The tables are in `authsome/schema`, the store in `authsome/store/postgres`, the
 * migrator in `authsome/migrate`, plugins in `authsome/plugins/<name>`, and everything a plugin is written with in
 * `authsome/plugin`.
 * @module
 */
export { createAuthsome, type Authsome, type AuthsomeMetrics, type AuthsomeOptions } from "./authsome.js";
export type { AuthsomeConfig, LockoutConfig, RateLimitConfig, RateLimitSettings, ResolvedConfig } from "./engine/config.js";
export type { EngineContext, Tenant } from "./engine/context.js";
export type { Duration } from "./engine/duration.js";
export type { HookEvents, HookHandler, HookMap, HookName } from "./engine/hooks.js";
export type { Logger } from "./engine/logger.js";
export type { Principal, PrincipalKinds } from "./engine/principal.js";
export type { RequestMeta } from "./engine/request-meta.js";
export type { AuthsomePlugin, PluginContext } from "./plugin/types.js";
export type { CoreApi, Introspection, ProfilePatch, PurgeCounts } from "./engine/services/core-api.js";
export type { IssuedSession } from "./engine/services/sessions.js";
export type { SignInResult } from "./engine/services/sign-ins.js";
export type { AuthsomeApp, AuthsomeEnv } from "./http/env.js";
export { consoleMailer, type ConsoleMailerOptions } from "./mail/console.js";
export type { Mailer, MailMessage } from "./mail/mailer.js";
export { memoryMailer, type MemoryMailer, type MemoryMailerOptions, type SentMail } from "./mail/memory.js";
export { smtpMailer, type SmtpMailer, type SmtpMailerOptions } from "./mail/smtp.js";
export {
  AuthenticationError,
  AuthsomeError,
  ConflictError,
  ForbiddenError,
  invalidRequest,
  isAuthsomeError,
  NotFoundError,
  RateLimitError,
  UnavailableError,
  ValidationError,
  type AuthsomeErrorOptions,
  type ErrorDetails,
} from "./errors.js";
export type {
  App,
  Environment,
  Page,
  PageRequest,
  Session,
  SessionWithUser,
  Store,
  StoreMetrics,
  StoreRepositories,
  User,
} from "./store/contract/index.js";
