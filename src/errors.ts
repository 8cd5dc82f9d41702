/**
 * The error hierarchy. Every error Authsome throws is an `AuthsomeError` with a stable snake_case `code` (the wire
 * code of the HTTP API); the class picks the HTTP status. Recognise errors by `code` (or `isAuthsomeError`), not by
 * `instanceof` alone, which fails across duplicate copies of the package.
 * @module
 */

export type ErrorDetails = Record<string, unknown>;

export interface AuthsomeErrorOptions extends ErrorOptions {
  details?: ErrorDetails;
}

const AUTHSOME_ERROR = Symbol.for("authsome.error");

export class AuthsomeError extends Error {
  readonly details?: ErrorDetails;
  readonly [AUTHSOME_ERROR] = true;

  constructor(
    readonly code: string,
    message: string,
    options: AuthsomeErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name; // "ConflictError" in logs, not "Error"
    if (options.details !== undefined) this.details = options.details;
  }
}

/** 400: the input is malformed or breaks a rule. */
export class ValidationError extends AuthsomeError {}
/** 401: missing or bad credentials. */
export class AuthenticationError extends AuthsomeError {}
/** 403: authenticated but not allowed. */
export class ForbiddenError extends AuthsomeError {}
/** 404: no such resource (or one of another tenant). */
export class NotFoundError extends AuthsomeError {}
/** 409: a unique field is taken. */
export class ConflictError extends AuthsomeError {}
/** 429: rate limited or locked out. */
export class RateLimitError extends AuthsomeError {
  constructor(
    code: string,
    message: string,
    readonly retryAfterSeconds: number,
    options: AuthsomeErrorOptions = {},
  ) {
    super(code, message, options);
  }
}
/** 503: the database cannot be reached. */
export class UnavailableError extends AuthsomeError {}

export function isAuthsomeError(value: unknown): value is AuthsomeError {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[AUTHSOME_ERROR] === true;
}
