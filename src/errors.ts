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

/**
 * What kind of failure an error is; the HTTP layer maps kinds to statuses. A plain field rather than the class,
 * because `instanceof` fails when an application and a plugin load two copies of this package.
 */
export type ErrorKind =
  | "internal"
  | "validation"
  | "authentication"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "rate_limit"
  | "unavailable"
  | "upstream";

export class AuthsomeError extends Error {
  declare readonly details?: ErrorDetails;
  readonly kind: ErrorKind = "internal";

  constructor(
    readonly code: string,
    message: string,
    options: AuthsomeErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name; // "ConflictError" in logs, not "Error"
    // A brand outside the type (a unique symbol there would make two copies of this package's types clash).
    Object.defineProperty(this, AUTHSOME_ERROR, { value: true });
    if (options.details !== undefined) this.details = options.details;
  }
}

/** 400: the input is malformed or breaks a rule. */
export class ValidationError extends AuthsomeError {
  override readonly kind = "validation";
}
/** 401: missing or bad credentials. */
export class AuthenticationError extends AuthsomeError {
  override readonly kind = "authentication";
}
/** 403: authenticated but not allowed. */
export class ForbiddenError extends AuthsomeError {
  override readonly kind = "forbidden";
}
/** 404: no such resource (or one of another tenant). */
export class NotFoundError extends AuthsomeError {
  override readonly kind = "not_found";
}
/** 409: a unique field is taken. */
export class ConflictError extends AuthsomeError {
  override readonly kind = "conflict";
}
/** 429: rate limited or locked out. */
export class RateLimitError extends AuthsomeError {
  override readonly kind = "rate_limit";
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
export class UnavailableError extends AuthsomeError {
  override readonly kind = "unavailable";
}

/** 502: a service Authsome depends on (an OAuth provider, a webhook receiver) failed, timed out or answered nonsense. */
export class UpstreamError extends AuthsomeError {
  override readonly kind = "upstream";
}

export function isAuthsomeError(value: unknown): value is AuthsomeError {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[AUTHSOME_ERROR] === true;
}

/**
 * The contract's 400 `invalid_request`, naming each field that is wrong (`details.fields` maps a field's path to what
 * is wrong with it). The one definition: routes, services and plugins all refuse input with it.
 */
export function invalidRequest(fields: Record<string, string>, message = "The request is invalid"): ValidationError {
  return new ValidationError("invalid_request", message, { details: { fields } });
}

/** 503 `shutting_down`: `auth.stop()` is draining; the client should retry (another instance will answer). */
export function shuttingDownError(): UnavailableError {
  return new UnavailableError("shutting_down", "The server is shutting down; retry the request");
}

/** 503 `not_started`: a request or call reached the engine before `auth.start()` finished (or after `stop()`). */
export function notStartedError(): AuthsomeError {
  return new AuthsomeError("not_started", "Authsome has not been started; call auth.start() first");
}
