/**
 * The plugin kit (`authsome/plugin`): everything a plugin may use, and nothing else. Authsome's own plugins
 * (`src/plugins/<name>/`) and the examples import only this module, `authsome/schema` and the errors — a rule
 * `npm run lint` enforces. See the README's "Writing a plugin".
 * @module
 */

// The plugin itself and what it is handed at setup.
export type { AuthsomePlugin, PluginContext, PluginHttp, PluginLifecycle, SendSignInOptions } from "./types.js";
export type { EngineContext, Reauthenticator, SessionSettings, Tenant } from "../engine/context.js";
export type { ResolvedConfig } from "../engine/config.js";
export type { HookEvents, HookHandler, HookMap, HookName } from "../engine/hooks.js";
export type { Logger } from "../engine/logger.js";
export type { RequestMeta } from "../engine/request-meta.js";
export { type Duration, durationSeconds } from "../engine/duration.js";
/** How recent a sign-in must be to count as proof of presence (account deletion without a password, adding a passkey). */
export { reauthenticationWindowSeconds } from "../engine/services/core-api.js";

// Completing a sign-in, second-factor gates, sessions.
export type {
  CompleteOptions,
  GateVerdict,
  NewUserProfile,
  PendingSignIn,
  ResumeOptions,
  SecondFactorGate,
  SignInAttempt,
  SignInChallenge,
  SignInResult,
  SignIns,
  SignUpOptions,
} from "../engine/services/sign-ins.js";
export type { SignInMethod, SignInMethods, SignInMethodSource } from "../engine/services/sign-in-methods.js";
export type { Redirects } from "../engine/redirects.js";
export type { IssuedSession, IssueOptions, SessionService } from "../engine/services/sessions.js";

// Authentication strategies.
export type { Principal, PrincipalKinds, SessionPrincipal } from "../engine/principal.js";
export type { Authenticator, PermissionScope, SecurityScheme } from "../http/auth.js";
export type { AuthsomeApp, AuthsomeEnv, AuthsomeVariables } from "../http/env.js";

// Services in the context.
export type { Ceremonies, OpenCeremony } from "../engine/services/ceremonies.js";
export type { EventInput, Events } from "../engine/events.js";
export type { Outbox } from "../engine/services/outbox.js";
export { type Availability, isDatabaseOutage } from "../engine/services/availability.js";
export {
  deviceAttemptsKey,
  lockoutKeys,
  normalizeIdentifier,
  type LimitSpec,
  type Protection,
  type SignInIdentifier,
} from "../engine/services/protection.js";
export type { TrustedDevices } from "../engine/services/trusted-devices.js";
export type { SealContext, Sealer } from "../crypto/sealing.js";
export type { CodeHasher } from "../crypto/codes.js";
export { generateNumericCode, generateToken, hashToken, isEqualHash, type RandomSource } from "../crypto/tokens.js";
export type { Mailer, MailMessage } from "../mail/mailer.js";
export { escapeHtml, noticeMail } from "../mail/html.js";

// HTTP: the contract's schemas and body shapes, so a plugin's routes answer like the core's.
export {
  AuthResponseSchema,
  EmailSchema,
  errorResponses,
  imageUrlSchema,
  jsonBody,
  optionalJsonBody,
  jsonResponse,
  pageQuerySchema,
  typeIdSchema,
  MetadataSchema,
  NameSchema,
  SessionSchema,
  StatusOkSchema,
  toAuthResponseBody,
  toSessionBody,
  toUserBody,
  UsernameSchema,
  UserSchema,
} from "../http/schemas.js";

// The store: the contract's types, and the kit for a plugin's own tables and statements.
export type { Page, PageRequest, Session, SessionWithUser, Store, StoreRepositories, TenantScope, User } from "../store/contract/index.js";
export { type EventColumns, type FusedEvent, newEventId, recordEvents, recordedEvent } from "../store/kit.js";
export { consumeCeremonyCte, keyset, type Keyset, toPage } from "../store/kit.js";
export { countHitOnConflict, defineStore, ipHitCtes, mapRow, rowsOf, runStatement, type Statement, type ConflictMapping, type StatementTarget, type StoreOptions, type StorePort } from "../store/kit.js";
export { builtInMigrationGroup, type MigrationGroup } from "../migrate/groups.js";

// Errors (also importable from `authsome`).
export * from "../errors.js";
