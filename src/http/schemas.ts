// Shared pieces of route declarations: JSON request/response wrappers, the error body, and the wire shapes of
// User and Session (snake_case, ISO-8601 timestamps) with their mapping from domain objects.
import { z } from "@hono/zod-openapi";
import type { Session, User } from "../store/contract.js";

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

/** Free-form metadata: an object of at most 8 levels and 8 KiB of JSON. */
export const MetadataSchema = z
  .record(z.string().max(64), z.unknown())
  .superRefine((value, check) => {
    // Depth first, and only then serialise: stringifying a 10,000-deep value would overflow the stack.
    if (depthOf(value) > maxMetadataDepth) check.addIssue({ code: "custom", message: `must nest at most ${maxMetadataDepth} levels` });
    else if (Buffer.byteLength(JSON.stringify(value)) > maxMetadataBytes) {
      check.addIssue({ code: "custom", message: `must be at most ${maxMetadataBytes} bytes of JSON` });
    }
  });

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
