import { randomUUID } from "node:crypto";
import { OpenAPIHono } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler, Next } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import type { EngineContext } from "../engine/context.js";
import type { CoreApi } from "../engine/services/core-api.js";
import type { IssuedSession } from "../engine/services/sessions.js";
import type { SignInResult } from "../engine/services/sign-ins.js";
import { deviceCookieName } from "../engine/services/trusted-devices.js";
import { AuthenticationError, ForbiddenError, invalidRequest, NotFoundError, notStartedError, shuttingDownError, ValidationError } from "../errors.js";
import { allowedMethodsLookup } from "./allowed-methods.js";
import { createAuthentication, routeSecurity } from "./auth.js";
import { setDeviceCookie, setPluginCookie, setSessionCookies } from "./cookies.js";
import type { AuthsomeApp, AuthsomeEnv } from "./env.js";
import type { PluginHttp } from "./plugin-http.js";
import { methodNotAllowed, renderError } from "./errors.js";
import { bearerToken, cookie, header, isLoopbackOrigin, refreshCookie, requestMeta, requestOrigin, sessionCookie } from "./request.js";
import { registerCoreRoutes } from "./routes/core.js";
import { toAuthResponseBody } from "./schemas.js";

export const maxBodyBytes = 64 * 1024;

/**
 * The contract's `invalid_request` body from a failed zod validation: `details.fields` maps paths to messages, and is
 * never empty. Collected in a Map: JSON.parse makes `__proto__` an own key, which zod reports as unknown, and a plain
 * `fields["__proto__"] = …` would set the object's prototype instead of adding the field (`Object.fromEntries`
 * defines it as an own key, which the JSON response then carries).
 */
function validationHook(result: { success: boolean; error?: { issues: Array<{ path: PropertyKey[]; message: string; code?: string; keys?: string[] }> } }) {
  if (result.success) return;
  const fields = new Map<string, string>();
  for (const issue of result.error?.issues ?? []) {
    const path = issue.path.map(String);
    if (issue.code === "unrecognized_keys" && issue.keys && issue.keys.length > 0) {
      for (const key of issue.keys) fields.set([...path, key].join("."), "is not a known field");
    } else {
      fields.set(path.join(".") || "body", issue.message);
    }
  }
  if (fields.size === 0) fields.set("body", "is invalid");
  throw invalidRequest(Object.fromEntries(fields));
}

const jsonContentType = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const unsafeMethods = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * The HTTP API: one router under `basePath` with the contract's middleware (request id, not-started gate, CORS for
 * trusted origins, body limit, CSRF origin check) and error rendering; plugins add routes before `finish()`.
 */
export interface HttpApp {
  router: AuthsomeApp;
  /** The kit's HTTP side (`ctx.http`). */
  http: PluginHttp;
  /** Mounts the router after every plugin added its routes, and publishes the OpenAPI document. */
  finish(): void;
  fetch(request: Request, env?: unknown): Response | Promise<Response>;
}

export function createHttpApp(ctx: EngineContext, api: CoreApi, state: { isStarted: () => boolean; isDraining: () => boolean }): HttpApp {
  const { config } = ctx;
  const trusted = new Set(config.trustedOrigins);
  const router: AuthsomeApp = new OpenAPIHono<AuthsomeEnv>({ defaultHook: validationHook });
  const root = new OpenAPIHono<AuthsomeEnv>();
  const auth = createAuthentication(ctx);
  // A route declares its auth in `createRoute({ middleware })`; the document then carries the matching `security`.
  const register = router.openapi.bind(router);
  router.openapi = ((route: Parameters<AuthsomeApp["openapi"]>[0], ...rest: unknown[]) => {
    const security = route.security ?? routeSecurity(route.middleware);
    return (register as (...args: unknown[]) => AuthsomeApp)(security ? { ...route, security } : route, ...rest);
  }) as AuthsomeApp["openapi"];

  root.use("*", function requestId(c, next) {
    const incoming = header(c, "x-request-id");
    const id = incoming && /^[A-Za-z0-9._-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    c.set("requestId", id);
    // Every answer is private to its caller (tokens, profiles, sessions: RFC 6749 §5.1) and is exactly the JSON it
    // says it is, so neither a shared cache nor a browser's sniffing may reinterpret it. On node:http the headers go
    // straight onto the response: a Fetch Headers object is a measurable share of the session check, and without it
    // the response's own headers take the adapter's fast path.
    const outgoing = c.env?.outgoing;
    if (outgoing) {
      outgoing.setHeader("x-request-id", id);
      outgoing.setHeader("cache-control", "no-store");
      outgoing.setHeader("x-content-type-options", "nosniff");
    } else {
      c.header("x-request-id", id);
      c.header("cache-control", "no-store");
      c.header("x-content-type-options", "nosniff");
    }
    return next();
  });
  // Errors of the router's routes reach this handler too: giving the router its own would make `root.route()` wrap
  // every route and middleware in one more compose per request.
  root.onError((err, c) => renderError(c, err, ctx.logger));
  // A known path asked with a method it does not serve: 405 with `Allow`, not 404. The table is built on first use,
  // when `finish()` has registered every route (and again should the router have more routes than it was built from).
  let allowed: { routes: number; lookup: (path: string) => string[] } | undefined;
  root.notFound((c) => {
    if (allowed?.routes !== router.routes.length) allowed = { routes: router.routes.length, lookup: allowedMethodsLookup(router.routes, config.basePath) };
    const allow = allowed.lookup(c.req.path);
    if (allow.length > 0 && !allow.includes(c.req.method)) return renderError(c, methodNotAllowed(allow), ctx.logger);
    return renderError(c, new NotFoundError("not_found", "Not found"), ctx.logger);
  });

  // Plugins add to it at setup (`ctx.http.allowHeaders`); Hono's CORS middleware joins it once, so it is built when
  // `finish()` has run every setup.
  const allowHeaders = ["Content-Type", "Authorization", "X-Request-Id", "X-Publishable-Key"];
  let corsHeaders: MiddlewareHandler<AuthsomeEnv> = () => {
    throw new Error("createHttpApp: finish() was not called");
  };
  const limitBody = bodyLimit({
    maxSize: maxBodyBytes,
    onError: () => {
      throw new HTTPException(413);
    },
  });
  const healthPath = `${config.basePath}/health`;
  const appFree = new Set([healthPath, `${config.basePath}/openapi.json`]);

  // One middleware in front of every route (each middleware step costs the session check measurably): CORS, then the
  // start gate and the request's app, then the body and origin checks of state changes.
  router.use("*", function admit(c, next) {
    // CORS concerns only requests that carry an Origin (every preflight does).
    return header(c, "origin") === undefined ? resolveApp(c, next) : corsHeaders(c, () => resolveApp(c, next));
  });

  function resolveApp(c: Context<AuthsomeEnv>, next: Next): Promise<void> {
    c.set("meta", requestMeta(c, config.trustProxy));
    // Draining (auth.stop()): nothing new starts, /health included, so a load balancer takes this instance out.
    if (state.isDraining() && c.req.path !== healthPath) throw shuttingDownError();
    if (appFree.has(c.req.path)) return checkStateChange(c, next);
    if (!state.isStarted()) throw notStartedError();
    // Multi-app: the publishable key names the app (a query parameter too, for browser navigations that cannot
    // send headers); without one, the configured app — unless keys are required.
    const key = header(c, "x-publishable-key") ?? (c.req.url.includes("publishable_key=") ? c.req.query("publishable_key") : undefined);
    if (key === undefined) {
      if (config.requirePublishableKey) throw new ValidationError("app_required", "An X-Publishable-Key header is required", { details: { fields: { "x-publishable-key": "is required" } } });
      return checkStateChange(c, next);
    }
    return ctx.tenants.byPublishableKey(key).then((tenant) => {
      if (!tenant) throw new AuthenticationError("invalid_publishable_key", "The publishable key is not valid");
      return ctx.withTenant(tenant, () => checkStateChange(c, next));
    });
  }

  /** The body limit and the CSRF origin rule, for methods that may change state (a GET never builds its body). */
  function checkStateChange(c: Context<AuthsomeEnv>, next: Next): Promise<void> {
    if (!unsafeMethods.has(c.req.method)) return next();
    const proceed = () => {
      assertSameSite(c);
      return next();
    };
    // Through node:http the parser holds a body to its declared Content-Length, so that header decides alone and the
    // body stays unread until a route parses it (reading it here would build two Fetch Requests per call).
    const headers = c.env?.incoming?.headers;
    const declared = headers?.["content-length"];
    const hasBody = headers ? (declared !== undefined && declared !== "0") || headers["transfer-encoding"] !== undefined : c.req.raw.body !== null;
    // Every body this API reads is JSON. A route whose body is optional would otherwise take a form post or a
    // text/plain body as "no body" and act on the defaults.
    if (hasBody && !jsonContentType.test(header(c, "content-type") ?? "")) throw new HTTPException(415);
    if (declared !== undefined && headers?.["transfer-encoding"] === undefined) {
      if (Number(declared) > maxBodyBytes) throw new HTTPException(413);
      return proceed();
    }
    return limitBody(c, proceed).then(() => undefined); // it answers 413 by throwing, never with a Response
  }

  /**
   * Cookie-authenticated state changes must come from our own origin (`appUrl`'s) or a trusted one; bearer requests
   * are exempt. The request's `Host` never vouches for an origin — except, in development, a loopback one.
   */
  function assertSameSite(c: Context<AuthsomeEnv>): void {
    if (bearerToken(c) || !(cookie(c, sessionCookie) || cookie(c, refreshCookie))) return;
    const origin = header(c, "origin");
    const site = header(c, "sec-fetch-site");
    const allowed = origin ? isOwnOrigin(c, origin) : site === "same-origin";
    if (!allowed) throw new ForbiddenError("invalid_origin", "Cross-site request refused");
  }

  function isOwnOrigin(c: Context<AuthsomeEnv>, origin: string): boolean {
    if (origin === config.appOrigin || trusted.has(origin)) return true;
    return config.development && isLoopbackOrigin(origin) && origin === requestOrigin(c, config.trustProxy);
  }

  registerCoreRoutes(router, ctx, api, auth, state.isDraining);

  const putSessionCookies = (c: Context<AuthsomeEnv>, issued: IssuedSession) => setSessionCookies(c, config, issued, ctx.tenant().session);
  const putDeviceCookie = (c: Context<AuthsomeEnv>, value: string) => setDeviceCookie(c, config, value);

  const http: PluginHttp = {
    requireSession: auth.requireSession,
    requireAuth: auth.requireAuth,
    optionalAuth: auth.optionalAuth,
    requirePermission: auth.requirePermission,
    addAuthenticator: auth.addAuthenticator,
    principal: auth.principal,
    session: auth.session,
    allowHeaders(...names: string[]): void {
      for (const name of names) if (!allowHeaders.some((h) => h.toLowerCase() === name.toLowerCase())) allowHeaders.push(name);
    },
    sendSignIn<S extends 200 | 201 = 200, B extends Record<string, unknown> = Record<never, never>>(c: Context<AuthsomeEnv>, result: SignInResult, options: { status?: S; body?: B } = {}) {
      if (result.kind === "challenge") {
        throw new ForbiddenError(result.challenge.code, result.challenge.message, { details: { ...result.challenge.details, [result.field]: result.ticket } });
      }
      putSessionCookies(c, result);
      if (result.deviceCookie) putDeviceCookie(c, result.deviceCookie);
      return c.json({ ...toAuthResponseBody(result), ...options.body } as ReturnType<typeof toAuthResponseBody> & B, (options.status ?? 200) as S);
    },
    checkRedirect(c: Context<AuthsomeEnv>, value: string, field?: string): string {
      // In development the request's own loopback origin is as good as a trusted one (as for the CSRF check).
      const own = config.development ? requestOrigin(c, config.trustProxy) : null;
      return ctx.redirects.check(value, { ...(field ? { field } : {}), also: own && isLoopbackOrigin(own) ? own : null });
    },
    setSessionCookies: putSessionCookies,
    setDeviceCookie: putDeviceCookie,
    deviceCookie: (c: Context<AuthsomeEnv>) => cookie(c, deviceCookieName),
    cookie: (c: Context<AuthsomeEnv>, name: string) => cookie(c, name),
    setCookie: (c: Context<AuthsomeEnv>, name: string, value: string, options: { maxAgeSeconds: number; path?: string }) => setPluginCookie(c, config, name, value, options),
    /**
     * Where links in mail point for this request: `config.appUrl`; without one (development only) the request's own
     * origin if it is a loopback or trusted origin, else null (no link is sent anywhere a `Host` header chose).
     */
    linkBase(c: Context<AuthsomeEnv>): string | null {
      if (config.appUrl !== null) return config.appUrl;
      const own = requestOrigin(c, config.trustProxy);
      return isLoopbackOrigin(own) || trusted.has(own) ? own : null;
    },
  };

  return {
    router,
    http,
    /** Mounts the router after every plugin added its routes, and publishes the OpenAPI document. */
    finish() {
      corsHeaders = cors({
        origin: (origin) => (trusted.has(origin) ? origin : null),
        credentials: true,
        allowHeaders,
        exposeHeaders: ["X-Request-Id", "Retry-After"],
        maxAge: 600,
      });
      for (const scheme of auth.schemes()) router.openAPIRegistry.registerComponent("securitySchemes", scheme.name, scheme.definition);
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
