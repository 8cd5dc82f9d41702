import { randomUUID } from "node:crypto";
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import type { EngineContext } from "../engine/context.js";
import type { CoreApi } from "../engine/services/core-api.js";
import type { IssuedSession } from "../engine/services/sessions.js";
import { AuthenticationError, AuthsomeError, ForbiddenError, NotFoundError, ValidationError } from "../errors.js";
import { setSessionCookies } from "./cookies.js";
import type { AuthsomeApp, AuthsomeEnv } from "./env.js";
import { renderError } from "./errors.js";
import { bearerToken, cookie, header, ownOrigin, presentedSessionToken, refreshCookie, requestMeta, sessionCookie } from "./request.js";
import { registerCoreRoutes } from "./routes/core.js";

export const maxBodyBytes = 64 * 1024;

/** The contract's `invalid_request` body from a failed zod validation: `details.fields` maps paths to messages. */
function validationHook(result: { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string; code?: string; keys?: string[] }> } }) {
  if (result.success) return;
  const fields: Record<string, string> = {};
  for (const issue of result.error?.issues ?? []) {
    if (issue.code === "unrecognized_keys" && issue.keys) {
      for (const key of issue.keys) fields[[...issue.path, key].join(".")] = "is not a known field";
    } else {
      fields[issue.path.map(String).join(".") || "body"] = issue.message;
    }
  }
  throw new ValidationError("invalid_request", "The request is invalid", { details: { fields } });
}

const unsafeMethods = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * The HTTP API: one router under `basePath` with the contract's middleware (request id, not-started gate, CORS for
 * trusted origins, body limit, CSRF origin check) and error rendering; plugins add routes before `finish()`.
 */
export function createHttpApp(ctx: EngineContext, api: CoreApi, state: { isStarted: () => boolean }) {
  const { config } = ctx;
  const trusted = new Set(config.trustedOrigins);
  const router: AuthsomeApp = new OpenAPIHono<AuthsomeEnv>({ defaultHook: validationHook });
  const root = new OpenAPIHono<AuthsomeEnv>();

  root.use("*", async function requestId(c, next) {
    const incoming = header(c, "x-request-id");
    const id = incoming && /^[A-Za-z0-9._-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    c.set("requestId", id);
    c.header("x-request-id", id);
    await next();
  });
  root.onError((err, c) => renderError(c, err, ctx.logger));
  router.onError((err, c) => renderError(c, err, ctx.logger));
  root.notFound((c) => renderError(c, new NotFoundError("not_found", "Not found"), ctx.logger));

  const corsHeaders = cors({
    origin: (origin) => (trusted.has(origin) ? origin : null),
    credentials: true,
    allowHeaders: ["Content-Type", "Authorization", "X-Request-Id", "X-Publishable-Key"],
    exposeHeaders: ["X-Request-Id", "Retry-After"],
    maxAge: 600,
  });
  // CORS concerns only requests that carry an Origin (every preflight does).
  router.use("*", (c, next) => (header(c, "origin") === undefined ? next() : corsHeaders(c, next)));
  const appFree = new Set([`${config.basePath}/health`, `${config.basePath}/openapi.json`]);
  router.use("*", async function resolveApp(c, next) {
    c.set("meta", requestMeta(c, config.trustProxy));
    if (appFree.has(c.req.path)) return next();
    if (!state.isStarted()) throw new AuthsomeError("not_started", "Authsome has not been started");
    // Multi-app: the publishable key names the app (a query parameter too, for browser navigations that cannot
    // send headers); without one, the configured app — unless keys are required.
    const key = header(c, "x-publishable-key") ?? (c.req.url.includes("publishable_key=") ? c.req.query("publishable_key") : undefined);
    if (key === undefined) {
      if (config.requirePublishableKey) throw new ValidationError("app_required", "An X-Publishable-Key header is required");
      return next();
    }
    const tenant = await ctx.tenants.byPublishableKey(key);
    if (!tenant) throw new AuthenticationError("invalid_publishable_key", "The publishable key is not valid");
    return ctx.withTenant(tenant, next);
  });
  const limitBody = bodyLimit({
    maxSize: maxBodyBytes,
    onError: () => {
      throw new HTTPException(413);
    },
  });
  router.use("*", function limitBodySize(c, next) {
    // Only methods that may carry a body: asking a GET for its body would build a whole Fetch Request to learn it has none.
    if (!unsafeMethods.has(c.req.method)) return next();
    // Through node:http the parser holds a body to its declared Content-Length, so that header decides alone and the
    // body stays unread until a route parses it (reading it here would build two Fetch Requests per call).
    const headers = c.env?.incoming?.headers;
    const declared = headers?.["content-length"];
    if (declared !== undefined && headers?.["transfer-encoding"] === undefined) {
      if (Number(declared) > maxBodyBytes) throw new HTTPException(413);
      return next();
    }
    return limitBody(c, next);
  });
  router.use("*", async function checkOrigin(c, next) {
    // Cookie-authenticated state changes must come from our own origin or a trusted one. Bearer requests carry no
    // ambient credential, so they are exempt.
    if (unsafeMethods.has(c.req.method) && !bearerToken(c) && (cookie(c, sessionCookie) || cookie(c, refreshCookie))) {
      const origin = header(c, "origin");
      const site = header(c, "sec-fetch-site");
      const allowed = origin ? origin === ownOrigin(c, config.trustProxy) || trusted.has(origin) : site === "same-origin";
      if (!allowed) throw new ForbiddenError("invalid_origin", "Cross-site request refused");
    }
    await next();
  });

  const requireSession: MiddlewareHandler<AuthsomeEnv> = async function requireSession(c, next) {
    const token = presentedSessionToken(c);
    const found = token ? await ctx.sessions.check(token) : null;
    if (!found) throw new AuthenticationError("unauthorized", "A valid session is required");
    c.set("auth", found);
    await next();
  };

  registerCoreRoutes(router, ctx, api, requireSession);

  return {
    router,
    requireSession,
    setSessionCookies: (c: Context<AuthsomeEnv>, issued: IssuedSession) => setSessionCookies(c, config, issued, ctx.tenant().session),
    /** Mounts the router after every plugin added its routes, and publishes the OpenAPI document. */
    finish() {
      router.doc31("/openapi.json", {
        openapi: "3.1.0",
        info: { title: "Authsome", version: "1", description: "Authentication API" },
        servers: [{ url: config.basePath }],
      });
      root.route(config.basePath, router);
    },
    fetch: (request: Request, env?: unknown) => root.fetch(request, env as AuthsomeEnv["Bindings"]),
  };
}
