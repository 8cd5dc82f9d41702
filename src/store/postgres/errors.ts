import {
  AuthsomeError,
  ConflictError,
  type ErrorDetails,
  isAuthsomeError,
  UnavailableError,
  ValidationError,
} from "../../errors.js";
import { findInCauses, findPgError, isConnectionFailure } from "../../migrate/driver-errors.js";

// Unique indexes whose violation means "this field is taken"; any other unique violation is `conflict`.
const conflictCodes: Record<string, string> = {
  authsome_users_email_live_uq: "email_taken",
  authsome_users_username_live_uq: "username_taken",
  authsome_apps_slug_uq: "slug_taken",
  authsome_environments_app_id_slug_uq: "slug_taken",
  authsome_organizations_slug_uq: "slug_taken",
  authsome_teams_org_id_slug_uq: "slug_taken",
  authsome_roles_app_id_env_id_slug_uq: "slug_taken",
};

const conflictMessages: Record<string, string> = {
  email_taken: "This email address is already registered",
  username_taken: "This username is already taken",
  slug_taken: "This slug is already taken",
  conflict: "A record with these values already exists",
};

/**
 * Details meant for code, not for clients: the constraint a violation names is how a plugin maps its own indexes to
 * codes (store/kit.ts), but a schema name is nothing a client should see. `toJSON` answers undefined, so serialising
 * the error body (`JSON.stringify`, as the HTTP error renderer does) leaves `details` out, while
 * `err.details.constraint` reads as usual.
 */
export function internalDetails(details: ErrorDetails): ErrorDetails {
  return Object.defineProperty({ ...details }, "toJSON", { value: () => undefined, enumerable: false });
}

/** `{ constraint }` when the driver named one. */
function constraintDetails(constraint: string | undefined): { details?: ErrorDetails } {
  return constraint ? { details: internalDetails({ constraint }) } : {};
}

/** True for errors that came from the database driver (or Drizzle wrapping one). */
export function isDriverError(err: unknown): boolean {
  return findPgError(err) !== undefined || isConnectionFailure(err) || (err as Error)?.name === "DrizzleQueryError";
}

/**
 * The only place that reads SQLSTATEs. Drizzle wraps the driver error (SQLSTATE on `cause`) and puts the SQL and
 * its bound parameters (emails, token hashes) in its message, so the original is kept only as `cause` and its text
 * is never copied into ours. Our own errors pass through unchanged.
 */
export function toStoreError(err: unknown): AuthsomeError {
  if (isAuthsomeError(err)) return err;
  // Ours, wrapped by Drizzle on the way back (the pool refusing a caller when its wait queue is full).
  const ours = findInCauses(err, isAuthsomeError);
  if (ours) return ours;
  const options = { cause: err };
  if (isConnectionFailure(err)) return new UnavailableError("unavailable", "Database unavailable", options);
  const pg = findPgError(err);
  switch (pg?.code) {
    case "23505": {
      const code = conflictCodes[pg.constraint ?? ""] ?? "conflict";
      return new ConflictError(code, conflictMessages[code] as string, { ...options, ...constraintDetails(pg.constraint) });
    }
    case "23503":
      return new ValidationError("invalid_reference", "A referenced record does not exist", {
        ...options,
        ...constraintDetails(pg.constraint),
      });
    case "23514":
    case "22021": // NUL or invalid bytes in text
    case "22P05": // \u0000 in jsonb
    case "22P02":
    case "22001":
    case "22003":
    case "22007":
    case "22008":
      return new ValidationError("invalid_value", "A value is not valid for its field", options);
    case "57014":
      return new UnavailableError("timeout", "The database did not answer in time", options);
    default:
      return new AuthsomeError("internal_error", "Database operation failed", options);
  }
}

/**
 * `fn` with whatever it throws or rejects with mapped by `mapError`. Not an async wrapper: on the hot paths an
 * extra suspended frame per call is garbage that every young-generation collection under load has to walk.
 */
export function guard<A extends unknown[], R>(fn: (...args: A) => Promise<R>, mapError: (err: unknown) => Error): (...args: A) => Promise<R> {
  const rethrow = (err: unknown): never => {
    throw mapError(err);
  };
  return function guarded(...args: A): Promise<R> {
    try {
      return Promise.resolve(fn(...args)).catch(rethrow);
    } catch (err) {
      return Promise.reject(mapError(err));
    }
  };
}

/**
 * Wraps every method of a sub-store so that whatever it throws reaches the caller as an AuthsomeError.
 */
export function guardMethods<T extends object>(target: T): T {
  const proto = Object.getPrototypeOf(target) as Record<string, unknown>;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const method = proto[name];
    if (name === "constructor" || typeof method !== "function") continue;
    const bound = (method as (...a: unknown[]) => Promise<unknown>).bind(target);
    Object.defineProperty(target, name, { value: guard(bound, toStoreError) });
  }
  return target;
}
