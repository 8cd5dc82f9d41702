import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import {
  AuthsomeError,
  type ErrorKind,
  invalidRequest,
  isAuthsomeError,
  NotFoundError,
  type RateLimitError,
} from "../errors.js";

/** The JSON error body of the contract: `{ error, code, details? }`. */
export interface ErrorBody {
  error: string;
  code: string;
  details?: Record<string, unknown>;
}

// The one table from error kind (one per class) to HTTP status. Codes that need another status are listed below.
const statusByKind: Record<ErrorKind, ContentfulStatusCode> = {
  internal: 500,
  validation: 400,
  authentication: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rate_limit: 429,
  unavailable: 503,
  upstream: 502,
};

const statusByCode: Record<string, ContentfulStatusCode> = {
  not_started: 503,
  too_many_attempts: 429,
  payload_too_large: 413,
  unsupported_media_type: 415,
  method_not_allowed: 405,
};

/** The methods a path does serve, carried by a `method_not_allowed` error to its `Allow` header. */
const allowedMethods = Symbol("authsome.allow");

/** 405 `method_not_allowed` for a known path asked with another method; `allow` becomes the `Allow` header. */
export function methodNotAllowed(allow: readonly string[]): AuthsomeError {
  const err = new AuthsomeError("method_not_allowed", "The method is not allowed on this path");
  Object.defineProperty(err, allowedMethods, { value: [...allow] });
  return err;
}

/** `Retry-After` of a 503: a database outage or a not-yet-started engine is expected to pass within seconds. */
export const unavailableRetrySeconds = 5;

function statusOf(err: AuthsomeError): ContentfulStatusCode {
  return statusByCode[err.code] ?? statusByKind[err.kind] ?? 500;
}

/** Hono's own exceptions (malformed JSON, wrong content type, body limit) in the contract's shape. */
function fromHttpException(err: HTTPException): AuthsomeError {
  switch (err.status) {
    case 413:
      return new AuthsomeError("payload_too_large", "The request body is too large");
    case 415:
      return new AuthsomeError("unsupported_media_type", "The request body must be JSON (Content-Type: application/json)");
    case 404:
      return new NotFoundError("not_found", "Not found");
    case 400:
      // Every 400 names its field: here the body as a whole.
      return invalidRequest({ body: "is not valid JSON" }, "The request body is not valid JSON");
    default:
      // No route throws another status; should Hono, the answer still names what it refused.
      return invalidRequest({ body: "is not a valid request" }, "Invalid request");
  }
}

export interface ErrorLogger {
  error(message: string, fields: Record<string, unknown>): void;
}

/**
 * The only error handler: our errors become their status and body; anything else is a 500 `internal_error` with
 * the request id and no internals (the error itself goes to the logger with that id).
 */
export function renderError(c: Context, err: unknown, logger: ErrorLogger): Response {
  const known = isAuthsomeError(err) ? err : err instanceof HTTPException ? fromHttpException(err) : undefined;
  const requestId = c.get("requestId" as never) as string | undefined;
  if (!known || statusOf(known) === 500) {
    logger.error("request failed", { requestId, error: err, method: c.req.method, path: c.req.path });
    return c.json({ error: "Internal server error", code: "internal_error", details: { request_id: requestId } } satisfies ErrorBody, 500);
  }
  const status = statusOf(known);
  // A 503 is temporary by definition: tell clients (and load balancers) when to come back rather than hammer it.
  const retryAfter = (known as Partial<RateLimitError>).retryAfterSeconds ?? (status === 503 ? unavailableRetrySeconds : undefined);
  if (typeof retryAfter === "number") c.header("Retry-After", String(Math.max(1, Math.ceil(retryAfter))));
  // A draining instance answers what reaches it on a kept-alive connection, then closes it: the next request goes elsewhere.
  if (known.code === "shutting_down") c.header("Connection", "close");
  const allow = (known as { [allowedMethods]?: string[] })[allowedMethods];
  if (allow) c.header("Allow", allow.join(", "));
  const body: ErrorBody = { error: known.message, code: known.code };
  if (known.details) body.details = known.details;
  return c.json(body, status);
}
