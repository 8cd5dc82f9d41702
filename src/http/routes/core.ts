import { createRoute, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { EngineContext } from "../../engine/context.js";
import type { CoreApi } from "../../engine/services/core-api.js";
import type { Authentication } from "../auth.js";
import { AuthenticationError } from "../../errors.js";
import { clearSessionCookies, setSessionCookies } from "../cookies.js";
import { unavailableRetrySeconds } from "../errors.js";
import type { AuthsomeApp, AuthsomeEnv } from "../env.js";
import { cookie, refreshCookie } from "../request.js";
import {
  errorResponses,
  imageUrlSchema,
  MetadataSchema,
  NameSchema,
  jsonBody,
  pageQuerySchema,
  typeIdSchema,
  jsonResponse,
  SessionSchema,
  StatusOkSchema,
  toSessionBody,
  toUserBody,
  UsernameSchema,
  UserSchema,
} from "../schemas.js";


const SessionEnvelope = z.object({ user: UserSchema, session: SessionSchema }).openapi("SessionEnvelope");
const TokenPair = z
  .object({ session_token: z.string(), refresh_token: z.string(), expires_at: z.string() })
  .openapi("TokenPair");
const PageQuery = pageQuerySchema("ases");
/** A function of `config.development`, which decides whether an `http:` image URL is acceptable. */
const ProfilePatchBody = (development: boolean) =>
  z
    .strictObject({
      first_name: NameSchema.optional(),
      last_name: NameSchema.optional(),
      image: imageUrlSchema(development).optional(),
      username: UsernameSchema.optional(),
      metadata: MetadataSchema.optional(),
    })
    .openapi("ProfilePatch");

const health = createRoute({
  method: "get",
  path: "/health",
  responses: {
    200: jsonResponse(z.object({ status: z.literal("ok") }), "Reachable"),
    503: jsonResponse(z.object({ status: z.literal("unavailable") }), "The store cannot be reached"),
  },
});
const getSession = (auth: MiddlewareHandler<AuthsomeEnv>) => createRoute({
  middleware: [auth] as const,
  method: "get",
  path: "/session",
  responses: { 200: jsonResponse(SessionEnvelope, "The current session and its user"), ...errorResponses(401) },
});
const signOut = (auth: MiddlewareHandler<AuthsomeEnv>) => createRoute({
  middleware: [auth] as const,
  method: "post",
  path: "/signout",
  responses: { 200: jsonResponse(z.object({ status: z.literal("signed_out") }), "Signed out"), ...errorResponses(401, 403) },
});
const refresh = createRoute({
  method: "post",
  path: "/refresh",
  request: { body: { content: { "application/json": { schema: z.strictObject({ refresh_token: z.string().max(256).optional() }) } }, required: false } },
  responses: { 200: jsonResponse(TokenPair, "New tokens"), ...errorResponses(400, 401, 403, 429) },
});
const listSessions = (auth: MiddlewareHandler<AuthsomeEnv>) => createRoute({
  middleware: [auth] as const,
  method: "get",
  path: "/sessions",
  request: { query: PageQuery },
  responses: {
    200: jsonResponse(z.object({ items: z.array(SessionSchema), next_cursor: z.string().nullable() }), "Active sessions"),
    ...errorResponses(400, 401),
  },
});
const revokeSession = (auth: MiddlewareHandler<AuthsomeEnv>) => createRoute({
  middleware: [auth] as const,
  method: "delete",
  path: "/sessions/{id}",
  request: { params: z.object({ id: typeIdSchema("ases") }) },
  responses: { 200: jsonResponse(StatusOkSchema, "Revoked"), ...errorResponses(400, 401, 403, 404) },
});
const revokeOthers = (auth: MiddlewareHandler<AuthsomeEnv>) => createRoute({
  middleware: [auth] as const,
  method: "delete",
  path: "/sessions",
  responses: { 200: jsonResponse(z.object({ status: z.literal("ok"), revoked: z.number() }), "Revoked"), ...errorResponses(401, 403) },
});
const getMe = (auth: MiddlewareHandler<AuthsomeEnv>) => createRoute({ middleware: [auth] as const, method: "get", path: "/me", responses: { 200: jsonResponse(UserSchema, "The user"), ...errorResponses(401) } });
const patchMe = (development: boolean, auth: MiddlewareHandler<AuthsomeEnv>) => createRoute({
  middleware: [auth] as const,
  method: "patch",
  path: "/me",
  request: jsonBody(ProfilePatchBody(development)),
  responses: { 200: jsonResponse(UserSchema, "Updated"), ...errorResponses(400, 401, 403, 409) },
});
const deleteMe = (auth: MiddlewareHandler<AuthsomeEnv>) => createRoute({
  middleware: [auth] as const,
  method: "delete",
  path: "/me",
  request: {
    body: { content: { "application/json": { schema: z.strictObject({ password: z.string().min(1).max(1024).optional() }) } }, required: false },
  },
  responses: { 200: jsonResponse(z.object({ status: z.literal("deleted") }), "Deleted"), ...errorResponses(400, 401, 403, 429) },
});
const introspect = createRoute({
  method: "post",
  path: "/introspect",
  request: jsonBody(z.strictObject({ token: z.string().max(256) })),
  responses: {
    200: jsonResponse(
      z.object({ active: z.boolean(), user_id: z.string().optional(), session_id: z.string().optional(), app_id: z.string().optional(), expires_at: z.string().optional() }),
      "RFC 7662 style introspection",
    ),
    ...errorResponses(400),
  },
});

/** The core routes of the contract. */
export function registerCoreRoutes(
  app: AuthsomeApp,
  ctx: EngineContext,
  api: CoreApi,
  auth: Authentication,
  isDraining: () => boolean,
): void {
  const { config, sessions } = ctx;
  const { requireSession } = auth;

  app.openapi(health, async (c) => {
    // Draining counts as unavailable: a load balancer stops sending here while in-flight requests finish.
    const up = !isDraining() && (await ctx.store.ping().then(() => true, () => false));
    if (up) return c.json({ status: "ok" as const }, 200);
    if (isDraining()) c.header("Connection", "close");
    c.header("Retry-After", String(unavailableRetrySeconds));
    return c.json({ status: "unavailable" as const }, 503);
  });

  app.openapi(getSession(requireSession), (c) => {
    const { user, session } = auth.session(c);
    return c.json({ user: toUserBody(user), session: toSessionBody(session) }, 200);
  });

  app.openapi(signOut(requireSession), async (c) => {
    await api.signOut(auth.session(c).session, c.get("meta"));
    clearSessionCookies(c, config);
    return c.json({ status: "signed_out" as const }, 200);
  });

  app.openapi(refresh, async (c) => {
    await ctx.protection.limit("refresh", c.get("meta"));
    const body = c.req.valid("json") as { refresh_token?: string } | undefined;
    const token = body?.refresh_token ?? cookie(c, refreshCookie);
    if (!token) throw new AuthenticationError("invalid_refresh_token", "A refresh token is required");
    try {
      const issued = await sessions.refresh(token, c.get("meta"));
      setSessionCookies(c, config, issued, ctx.tenant().session);
      return c.json({ session_token: issued.sessionToken, refresh_token: issued.refreshToken, expires_at: issued.session.expiresAt.toISOString() }, 200);
    } catch (err) {
      clearSessionCookies(c, config);
      throw err;
    }
  });

  app.openapi(listSessions(requireSession), async (c) => {
    const query = c.req.valid("query");
    const { user, session } = auth.session(c);
    const page = await sessions.list(user.id, { limit: query.limit ?? 20, cursor: query.cursor ?? null });
    const current = session.id;
    return c.json({ items: page.items.map((s) => toSessionBody(s, current)), next_cursor: page.nextCursor }, 200);
  });
  app.openapi(revokeSession(requireSession), async (c) => {
    await sessions.revoke(auth.session(c).user.id, c.req.valid("param").id);
    return c.json({ status: "ok" as const }, 200);
  });
  app.openapi(revokeOthers(requireSession), async (c) => {
    const { user, session } = auth.session(c);
    const revoked = await sessions.revokeOthers(user.id, session.id);
    return c.json({ status: "ok" as const, revoked }, 200);
  });

  app.openapi(getMe(requireSession), (c) => c.json(toUserBody(auth.session(c).user), 200));
  app.openapi(patchMe(config.development, requireSession), async (c) => {
    const body = c.req.valid("json");
    const user = await api.updateUser(auth.session(c).user.id, {
      ...(body.first_name !== undefined ? { firstName: body.first_name } : {}),
      ...(body.last_name !== undefined ? { lastName: body.last_name } : {}),
      ...(body.image !== undefined ? { image: body.image } : {}),
      ...(body.username !== undefined ? { username: body.username.toLowerCase(), displayUsername: body.username } : {}),
      ...(body.metadata !== undefined ? { metadata: body.metadata } : {}),
    });
    return c.json(toUserBody(user), 200);
  });
  app.openapi(deleteMe(requireSession), async (c) => {
    const body = c.req.valid("json") as { password?: string } | undefined;
    await api.deleteOwnAccount(auth.session(c), body?.password === undefined ? {} : { password: body.password }, c.get("meta"));
    clearSessionCookies(c, config);
    return c.json({ status: "deleted" as const }, 200);
  });

  app.openapi(introspect, async (c) => {
    const result = await api.introspect(c.req.valid("json").token);
    if (!result.active) return c.json({ active: false }, 200);
    return c.json(
      { active: true, user_id: result.userId, session_id: result.sessionId, app_id: result.appId, expires_at: result.expiresAt?.toISOString() },
      200,
    );
  });
}
