/**
 * Authsome: an authentication engine for Node.js with a schema-first PostgreSQL store on Drizzle ORM.
 *
 * This entry point holds the engine (`createAuthsome`), the plugin interface, the mailers, the error hierarchy and
 * the store contract's types. The tables are in `authsome/schema`, the store in `authsome/store/postgres`, the
 * migrator in `authsome/migrate`, plugins in `authsome/plugins/<name>`.
 * @module
 */
export { createAuthsome, type Authsome, type AuthsomeOptions } from "./engine/authsome.js";
export type { AuthsomeConfig, LockoutConfig, RateLimitConfig, ResolvedConfig } from "./engine/config.js";
export type { AuditInput, EngineContext, Tenant } from "./engine/context.js";
export type { Duration } from "./engine/duration.js";
export type { HookEvents, HookHandler, HookMap, HookName, Logger } from "./engine/hooks.js";
export type { AuthsomePlugin, PluginContext } from "./engine/plugin.js";
export type { CoreApi, Introspection, ProfilePatch, PurgeCounts } from "./engine/services/core-api.js";
export type { IssuedSession, RequestMeta } from "./engine/services/sessions.js";
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
  StoreRepositories,
  User,
} from "./store/contract.js";
