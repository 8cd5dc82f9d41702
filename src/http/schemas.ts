// Shared pieces of route declarations: JSON request/response wrappers, the error body, and the wire shapes of
// User and Session (snake_case, ISO-8601 timestamps) with their mapping from domain objects.
import { z } from "@hono/zod-openapi";
import type { Session, User } from "../store/contract/index.js";

export const ErrorBodySchema = z
  .object({
    error: z.string().openapi({ example: "The email or password is incorrect" }),
    code: z.string().openapi({ example: "invalid_credentials" }),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi("Error");

const errorDescriptions: Record<number, string> = {
  400: "Invalid request",
  401: "Not authenticated",
  403: "Forbidden",
  404: "Not found",
  409: "Conflict",
  413: "Body too large",
  415: "Not JSON",
  429: "Rate limited or locked out",
  503: "Unavailable",
};

/** Error responses of a route, for the OpenAPI document. */
export function errorResponses(...statuses: number[]) {
  return Object.fromEntries(
    [...statuses, 413, 415, 503].map((status) => [
      status,
      { description: errorDescriptions[status] ?? "Error", content: { "application/json": { schema: ErrorBodySchema } } },
    ]),
  );
}

/** A required JSON body: without `required`, a wrong content type would slip through as `{}`. */
export function jsonBody<T extends z.ZodType>(schema: T) {
  return { body: { content: { "application/json": { schema } }, required: true } } as const;
}

/** A JSON body a client may leave out: without one (or without a JSON `Content-Type`) `c.req.valid("json")` may be undefined; present, it is validated. */
export function optionalJsonBody<T extends z.ZodType>(schema: T) {
  return { body: { content: { "application/json": { schema } }, required: false } } as const;
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } } as const;
}

const maxMetadataDepth = 8;
const maxMetadataBytes = 8 * 1024;

/** Nesting depth of a JSON value, measured without recursion (a 10,000-deep value must not overflow the stack). */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (item === null || typeof item !== "object") continue;
    deepest = Math.max(deepest, depth);
    if (deepest > maxMetadataDepth) return deepest; // enough: it is refused anyway
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** A NUL, or a UTF-16 surrogate without its other half (neither survives PostgreSQL text or jsonb faithfully). */
const nulOrLoneSurrogate = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const maxMetadataStringIssues = 10;

/**
 * Paths (below the value) of the keys and strings, at any depth, that contain a NUL or a lone surrogate — walked
 * without recursion, like `depthOf`, and only over a value `depthOf` already bounded. A key's path ends at the key.
 */
function badStringPaths(value: unknown): Array<Array<string | number>> {
  const found: Array<Array<string | number>> = [];
  const stack: Array<[unknown, Array<string | number>]> = [[value, []]];
  while (stack.length > 0 && found.length < maxMetadataStringIssues) {
    const [item, path] = stack.pop() as [unknown, Array<string | number>];
    if (typeof item === "string") {
      if (nulOrLoneSurrogate.test(item)) found.push(path);
    } else if (Array.isArray(item)) {
      item.forEach((child, index) => stack.push([child, [...path, index]]));
    } else if (item !== null && typeof item === "object") {
      for (const [key, child] of Object.entries(item)) {
        if (nulOrLoneSurrogate.test(key)) found.push([...path, key]);
        else stack.push([child, [...path, key]]);
      }
    }
  }
  return found;
}

/**
 * Free-form metadata: an object of at most 8 levels and 8 KiB of JSON whose keys and strings hold no NUL and no
 * lone surrogate (an issue's path names the offending entry: `metadata.a.b`).
 */
export const MetadataSchema = z
  .record(z.string().max(64), z.unknown())
  .superRefine((value, check) => {
    // Depth first, and only then walk or serialise: stringifying a 10,000-deep value would overflow the stack.
    if (depthOf(value) > maxMetadataDepth) {
      check.addIssue({ code: "custom", message: `must nest at most ${maxMetadataDepth} levels` });
      return;
    }
    const bad = badStringPaths(value);
    for (const path of bad) check.addIssue({ code: "custom", path, message: "must not contain NUL characters or unpaired surrogates" });
    if (bad.length === 0 && Buffer.byteLength(JSON.stringify(value)) > maxMetadataBytes) {
      check.addIssue({ code: "custom", message: `must be at most ${maxMetadataBytes} bytes of JSON` });
    }
  });

/** Control characters (Cc: NUL, CR, LF, …), bidi embeddings/overrides (U+202A–U+202E) and isolates (U+2066–U+2069). */
const forbiddenInNames = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;

/** The one username rule: 3–32 letters, digits, dots, dashes or underscores (trimmed; compared lower-cased). */
export const UsernameSchema = z.string().trim().regex(/^[A-Za-z0-9._-]{3,32}$/, "must be 3–32 letters, digits, dots, dashes or underscores");

/** An email address, trimmed before the format check (the store compares it trimmed and lower-cased). */
export const EmailSchema = z.string().trim().pipe(z.email().max(320)).openapi({ format: "email", maxLength: 320 });

/** A person's first or last name: at most 100 characters, none of them a control, bidi or lone surrogate. */
export const NameSchema = z
  .string()
  .max(100)
  .refine((name) => !forbiddenInNames.test(name) && !nulOrLoneSurrogate.test(name), {
    message: "must not contain control characters (such as NUL, CR or LF), bidirectional overrides or isolates, or unpaired surrogates",
  })
  .openapi({ description: "At most 100 characters; no control characters, bidirectional overrides or isolates, or unpaired surrogates" });

export const maxImageUrlLength = 2048;

/**
 * Why `url` is not an acceptable image URL, or undefined when it is: an absolute `https:` URL (also `http:` when
 * `allowHttp`) with a host and no credentials, exactly as sent (no surrounding or inner whitespace or controls).
 */
function imageUrlProblem(url: string, allowHttp: boolean): string | undefined {
  const wanted = allowHttp ? "must be an absolute http: or https: URL" : "must be an absolute https: URL";
  // The URL parser would strip or skip these (and read a backslash as a slash): what is stored must be what is parsed.
  if (/[\s\p{Cc}\\]/u.test(url) || nulOrLoneSurrogate.test(url)) return "must not contain whitespace, control characters or backslashes";
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url)?.[1]?.toLowerCase();
  if (scheme !== "https" && !(allowHttp && scheme === "http")) return wanted;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return wanted;
  }
  // As sent, not as parsed: the parser would read `https:///x` as `https://x/`, and `https://@x` has empty credentials.
  const authority = url.slice(scheme.length + 3).split(/[/?#]/, 1)[0] ?? "";
  if (parsed.hostname === "" || authority === "") return wanted;
  if (parsed.username !== "" || parsed.password !== "" || authority.includes("@")) return "must not contain credentials";
  return undefined;
}

/**
 * A profile image: an absolute `https:` URL of at most 2048 characters — `http:` too in development — or `""`, which
 * removes the image. A function of `development` because that decides the schemes (and the schema is documented).
 */
export function imageUrlSchema(development: boolean) {
  return z
    .string()
    .max(maxImageUrlLength)
    .superRefine((url, check) => {
      const problem = url === "" ? undefined : imageUrlProblem(url, development);
      if (problem) check.addIssue({ code: "custom", message: problem });
    })
    .openapi({
      format: "uri",
      description: `An absolute ${development ? "http: or https:" : "https:"} URL without credentials, or "" to remove the image`,
    });
}

/** A TypeID of `prefix` (`ases_…`), as ids in paths and cursors are. */
export function typeIdSchema(prefix: string) {
  return z.string().regex(new RegExp(`^${prefix}_[0-7][0-9a-hjkmnp-tv-z]{25}$`), "is not a valid id");
}

/** The contract's list query: `?limit=` (1–100, default 20) and `?cursor=` (the last id of the page before). */
export function pageQuerySchema(idPrefix: string) {
  return z.object({ limit: z.coerce.number().int().min(1).max(100).optional(), cursor: typeIdSchema(idPrefix).optional() });
}

export const StatusOkSchema = z.object({ status: z.literal("ok") }).openapi("StatusOk");

const timestamp = z.string().openapi({ format: "date-time", example: "2026-11-27T12:00:00.000Z" });

export const UserSchema = z
  .object({
    id: z.string().openapi({ example: "ausr_01h2xcejqtf2nbrexx3vqjhp41" }),
    app_id: z.string(),
    env_id: z.string(),
    email: z.string(),
    email_verified: z.boolean(),
    first_name: z.string(),
    last_name: z.string(),
    image: z.string(),
    username: z.string(),
    display_username: z.string(),
    phone: z.string(),
    phone_verified: z.boolean(),
    banned: z.boolean(),
    ban_reason: z.string(),
    ban_expires: timestamp.nullable(),
    metadata: z.record(z.string(), z.unknown()),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .openapi("User");

export const SessionSchema = z
  .object({
    id: z.string().openapi({ example: "ases_01h2xcejqtf2nbrexx3vqjhp41" }),
    user_id: z.string(),
    app_id: z.string(),
    env_id: z.string(),
    ip_address: z.string(),
    user_agent: z.string(),
    created_at: timestamp,
    expires_at: timestamp,
    refresh_expires_at: timestamp,
    current: z.boolean().optional(),
  })
  .openapi("Session");

export const AuthResponseSchema = z
  .object({
    user: UserSchema,
    session: SessionSchema,
    session_token: z.string(),
    refresh_token: z.string(),
    expires_at: timestamp,
  })
  .openapi("AuthResponse");

/** camelCase → snake_case happens here and nowhere else. `User` never carries password material. */
export function toUserBody(user: User): z.infer<typeof UserSchema> {
  return {
    id: user.id,
    app_id: user.appId,
    env_id: user.envId,
    email: user.email,
    email_verified: user.emailVerified,
    first_name: user.firstName,
    last_name: user.lastName,
    image: user.image,
    username: user.username,
    display_username: user.displayUsername,
    phone: user.phone,
    phone_verified: user.phoneVerified,
    banned: user.banned,
    ban_reason: user.banReason,
    ban_expires: user.banExpires?.toISOString() ?? null,
    metadata: user.metadata,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  };
}

/** `Session` never carries tokens or their hashes. */
export function toSessionBody(session: Session, currentSessionId?: string): z.infer<typeof SessionSchema> {
  return {
    id: session.id,
    user_id: session.userId,
    app_id: session.appId,
    env_id: session.envId,
    ip_address: session.ipAddress,
    user_agent: session.userAgent,
    created_at: session.createdAt.toISOString(),
    expires_at: session.expiresAt.toISOString(),
    refresh_expires_at: session.refreshExpiresAt.toISOString(),
    ...(currentSessionId === undefined ? {} : { current: session.id === currentSessionId }),
  };
}

export function toAuthResponseBody(result: { user: User; session: Session; sessionToken: string; refreshToken: string }) {
  return {
    user: toUserBody(result.user),
    session: toSessionBody(result.session),
    session_token: result.sessionToken,
    refresh_token: result.refreshToken,
    expires_at: result.session.expiresAt.toISOString(),
  };
}
