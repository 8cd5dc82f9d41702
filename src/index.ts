/**
 * Authsome: an authentication engine for Node.js with a schema-first PostgreSQL store on Drizzle ORM.
 *
 * This entry point holds what every layer shares: the error hierarchy and the store contract's types. The
 * tables are in `authsome/schema`, the store in `authsome/store/postgres`, the migrator in `authsome/migrate`.
 * @module
 */
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
  Store,
  StoreRepositories,
  User,
} from "./store/contract.js";
