import { createRoute, z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import {
  AuthResponseSchema,
  type AuthsomeEnv,
  errorResponses,
  generateToken,
  isAuthsomeError,
  jsonResponse,
  optionalJsonBody,
  type PluginContext,
  type SignInMethod,
  StatusOkSchema,
} from "../../plugin/index.js";
import { type SocialService, stateTtlSeconds } from "./service.js";

/** The browser-binding cookie: a flow's state works only in the browser that started it (RFC 9700 §4.7.1). */
const bindingCookie = "authsome_oauth";
const bindingShape = /^ob_[A-Za-z0-9_-]{43}$/;

// Any string: an id no provider has is 404, like an unknown route.
const providerParam = z.object({ provider: z.string().min(1).max(64).openapi({ example: "github" }) });
const redirectTo = z.string().max(2048).optional().openapi({ description: "A relative path, or an absolute URL on appUrl's or a trusted origin" });
const AuthUrlSchema = z.object({ auth_url: z.string() }).openapi("SocialAuthUrl");
const AccountSchema = z
  .object({ provider: z.string(), provider_account_id: z.string().nullable(), email: z.string(), linked_at: z.string() })
  .openapi("SignInMethod");
const SocialSignInSchema = AuthResponseSchema.extend({ provider: z.string(), is_new_user: z.boolean(), redirect_to: z.string().nullable() }).openapi("SocialSignIn");
const LinkedSchema = z.object({ status: z.literal("linked"), provider: z.string(), account: AccountSchema }).openapi("SocialLinked");
const callbackQuery = z.object({
  code: z.string().max(2048).optional(),
  state: z.string().max(512).optional(),
  error: z.string().max(256).optional(),
  error_description: z.string().max(2048).optional(),
  iss: z.string().max(2048).optional(),
});

const start = createRoute({
  method: "get",
  path: "/social/{provider}",
  request: { params: providerParam, query: z.object({ redirect_to: redirectTo }) },
  responses: { 302: { description: "To the provider's authorization page" }, ...errorResponses(400, 404, 429, 502) },
});
const startForApp = createRoute({
  method: "post",
  path: "/social/{provider}",
  request: { params: providerParam, ...optionalJsonBody(z.strictObject({ redirect_to: redirectTo })) },
  responses: { 200: jsonResponse(AuthUrlSchema, "The provider's authorization URL, for single-page apps"), ...errorResponses(400, 404, 429, 502) },
});
const startLink = (auth: MiddlewareHandler<AuthsomeEnv>) =>
  createRoute({
    middleware: [auth] as const,
    method: "post",
    path: "/social/{provider}/link",
    request: { params: providerParam, ...optionalJsonBody(z.strictObject({ redirect_to: redirectTo })) },
    responses: { 200: jsonResponse(AuthUrlSchema, "The authorization URL whose callback links the account to the caller"), ...errorResponses(400, 401, 404, 429, 502) },
  });
const callback = createRoute({
  method: "get",
  path: "/social/{provider}/callback",
  request: { params: providerParam, query: callbackQuery },
  responses: {
    200: jsonResponse(z.union([SocialSignInSchema, LinkedSchema]), "With `Accept: application/json`: the auth response (or the link added)"),
    302: { description: "Browsers: session cookies set, then to `redirect_to` (errors as `?error=<code>`)" },
    ...errorResponses(400, 403, 404, 409, 429, 502),
  },
});
const listAccounts = (auth: MiddlewareHandler<AuthsomeEnv>) =>
  createRoute({
    middleware: [auth] as const,
    method: "get",
    path: "/me/accounts",
    responses: { 200: jsonResponse(z.object({ items: z.array(AccountSchema) }), "The caller's sign-in methods"), ...errorResponses(401) },
  });
const unlink = (auth: MiddlewareHandler<AuthsomeEnv>) =>
  createRoute({
    middleware: [auth] as const,
    method: "delete",
    path: "/me/accounts/{provider}",
    request: { params: providerParam },
    responses: { 200: jsonResponse(StatusOkSchema, "Unlinked"), ...errorResponses(400, 401, 404, 409) },
  });

const toAccountBody = (m: SignInMethod) => ({ provider: m.provider, provider_account_id: m.providerAccountId, email: m.email, linked_at: m.linkedAt.toISOString() });
const wantsJson = (c: Context<AuthsomeEnv>) => (c.req.header("accept") ?? "").includes("application/json");

/** `target` with `params` added to its query and `fragment` as its fragment; a relative target stays relative. */
function withParams(target: string, params: Record<string, string>, fragment?: Record<string, string>): string {
  const relative = target.startsWith("/");
  const url = new URL(target, "http://relative.invalid");
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  if (fragment) url.hash = new URLSearchParams(fragment).toString();
  return relative ? `${url.pathname}${url.search}${url.hash}` : url.href;
}

export function registerSocialRoutes(ctx: PluginContext, social: SocialService): void {
  const { router, http } = ctx;

  /** The browser's binding secret: the one it holds (several tabs share it), else a new one; refreshed either way. */
  function bind(c: Context<AuthsomeEnv>): string {
    const held = http.cookie(c, bindingCookie);
    const binding = held && bindingShape.test(held) ? held : generateToken("ob_", ctx.random);
    http.setCookie(c, bindingCookie, binding, { maxAgeSeconds: stateTtlSeconds, path: "/social" });
    return binding;
  }

  async function begin(c: Context<AuthsomeEnv>, provider: string, target: string | undefined, linkUserId?: string) {
    await ctx.protection.limit("socialStart", c.get("meta"));
    const redirect = target === undefined ? {} : { redirectTo: http.checkRedirect(c, target), redirectChecked: true };
    return social.authorizationUrl(provider, { ...redirect, ...(linkUserId ? { linkUserId } : {}), binding: bind(c) });
  }

  router.openapi(start, async (c) => {
    const { authUrl } = await begin(c, c.req.valid("param").provider, c.req.valid("query").redirect_to);
    return c.redirect(authUrl, 302);
  });
  router.openapi(startForApp, async (c) => {
    const body = c.req.valid("json") as { redirect_to?: string } | undefined;
    const { authUrl } = await begin(c, c.req.valid("param").provider, body?.redirect_to);
    return c.json({ auth_url: authUrl }, 200);
  });
  router.openapi(startLink(http.requireSession), async (c) => {
    const body = c.req.valid("json") as { redirect_to?: string } | undefined;
    const { authUrl } = await begin(c, c.req.valid("param").provider, body?.redirect_to, http.session(c).user.id);
    return c.json({ auth_url: authUrl }, 200);
  });

  router.openapi(callback, async (c) => {
    const provider = c.req.valid("param").provider;
    await ctx.protection.limit("socialCallback", c.get("meta"));
    const json = wantsJson(c);
    const binding = http.cookie(c, bindingCookie);
    const query = c.req.valid("query");
    // Only the parameters the callback knows reach the protocol (`code`, `state`, `error`, `iss`).
    const params = new URLSearchParams(Object.entries(query).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
    const settled = await social.settle(provider, params, c.get("meta"), binding ? { binding } : {});
    if (!settled.ok) {
      // Once the state proved the flow, a browser always lands back in the app, with the error's code to show.
      const { error, flow } = settled;
      if (json || !flow || !isAuthsomeError(error) || error.kind === "internal" || error.kind === "unavailable") throw error;
      return c.redirect(withParams(ctx.redirects.resolve(flow.redirectTo), { error: error.code }), 302);
    }
    const { outcome } = settled;
    if (outcome.kind === "linked") {
      if (json) return c.json({ status: "linked" as const, provider: outcome.provider, account: toAccountBody(outcome.account) }, 200);
      return c.redirect(withParams(ctx.redirects.resolve(outcome.redirectTo), { linked: outcome.provider }), 302);
    }
    const { result } = outcome;
    if (json) return http.sendSignIn(c, result, { body: { provider: outcome.provider, is_new_user: outcome.isNewUser, redirect_to: outcome.redirectTo } });
    const target = ctx.redirects.resolve(outcome.redirectTo);
    if (result.kind === "challenge") {
      // A second factor is due: its code in the query, the ticket in the fragment (never sent to a server or a log).
      return c.redirect(withParams(target, { error: result.challenge.code }, { [result.field]: result.ticket }), 302);
    }
    http.setSessionCookies(c, result);
    if (result.deviceCookie) http.setDeviceCookie(c, result.deviceCookie);
    return c.redirect(target, 302);
  });

  router.openapi(listAccounts(http.requireSession), async (c) => {
    const methods = await social.listAccounts(http.session(c).user.id);
    return c.json({ items: methods.map(toAccountBody) }, 200);
  });
  router.openapi(unlink(http.requireSession), async (c) => {
    await social.unlinkAccount(http.session(c).user.id, c.req.valid("param").provider, c.get("meta"));
    return c.json({ status: "ok" as const }, 200);
  });
}
