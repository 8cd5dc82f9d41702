// The kit's HTTP side (`ctx.http`), declared in the HTTP layer that implements it; `authsome/plugin` re-exports it.
import type { Context, MiddlewareHandler, TypedResponse } from "hono";
import type { JSONParsed } from "hono/utils/types";
import type { Principal, SessionPrincipal } from "../engine/principal.js";
import type { IssuedSession } from "../engine/services/sessions.js";
import type { SignInResult } from "../engine/services/sign-ins.js";
import type { Authenticator, PermissionScope } from "./auth.js";
import type { AuthsomeEnv } from "./env.js";
import type { toAuthResponseBody } from "./schemas.js";

/** How `sendSignIn` answers a session: the status, and fields added to the auth response (e.g. `is_new_user`). */
export interface SendSignInOptions<S extends 200 | 201 = 200, B extends Record<string, unknown> = Record<never, never>> {
  status?: S;
  body?: B;
}

/** The contract's auth response body (`user`, `session`, `session_token`, `refresh_token`). */
export type AuthResponseBody = ReturnType<typeof toAuthResponseBody>;

/** The HTTP side of the kit: authentication, the sign-in response, cookies and links. */
export interface PluginHttp {
  /** Route middleware (put it in `createRoute({ middleware: [...] })`): 401 `unauthorized` without a valid session. */
  readonly requireSession: MiddlewareHandler<AuthsomeEnv>;
  /** Any registered authenticator (or only `kinds`): 401 `unauthorized` without a principal. */
  requireAuth(kinds?: readonly Principal["kind"][]): MiddlewareHandler<AuthsomeEnv>;
  /** Sets `auth` when the request carries a valid credential; anonymous otherwise (read it with `principal(c)`). */
  optionalAuth(kinds?: readonly Principal["kind"][]): MiddlewareHandler<AuthsomeEnv>;
  /**
   * Authenticates and requires a role granting `action` on `resource` (app-wide, or in the organization `scope.org`
   * names: a path parameter's name or a function of the request); 403 `forbidden` otherwise.
   */
  requirePermission(action: string, resource: string, scope?: PermissionScope): MiddlewareHandler<AuthsomeEnv>;
  /** Adds a way to authenticate (tried after the session, in registration order). */
  addAuthenticator<C>(authenticator: Authenticator<C>): void;
  /** Request headers cross-origin callers may send (the CORS preflight's allow-list), e.g. `X-API-Key`. */
  allowHeaders(...names: string[]): void;
  /** The principal an auth middleware set, or null. */
  principal(c: Context<AuthsomeEnv>): Principal | null;
  /** The session principal of a route behind `requireSession`. */
  session(c: Context<AuthsomeEnv>): SessionPrincipal;
  /**
   * Answers a completed sign-in: for a session, its cookies (and the device cookie when the result has one) and the
   * auth response; for a challenge, 403 with the challenge's code and `details` carrying the ticket.
   */
  sendSignIn<S extends 200 | 201 = 200, B extends Record<string, unknown> = Record<never, never>>(
    c: Context<AuthsomeEnv>,
    result: SignInResult,
    options?: SendSignInOptions<S, B>,
  ): Response & TypedResponse<JSONParsed<AuthResponseBody & B>, S, "json">;
  /**
   * Checks a `redirect_to` the request carried (see `ctx.redirects.check`; in development the request's own loopback
   * origin is accepted too) and returns it. @throws ValidationError `invalid_redirect` naming `field`.
   */
  checkRedirect(c: Context<AuthsomeEnv>, value: string, field?: string): string;
  /** Sets the session and refresh cookies of a newly issued session. */
  setSessionCookies(c: Context<AuthsomeEnv>, issued: IssuedSession): void;
  /** Sets the signed `authsome_device` cookie a successful sign-in earns this browser. */
  setDeviceCookie(c: Context<AuthsomeEnv>, value: string): void;
  /** The `authsome_device` cookie the browser sent, if any. */
  deviceCookie(c: Context<AuthsomeEnv>): string | undefined;
  /** A cookie of the request. */
  cookie(c: Context<AuthsomeEnv>, name: string): string | undefined;
  /**
   * Sets a plugin's own cookie: HttpOnly, SameSite=Lax, Secure like the session cookies, on `basePath` + `path`
   * (default the whole API); `maxAgeSeconds: 0` clears it.
   */
  setCookie(c: Context<AuthsomeEnv>, name: string, value: string, options: { maxAgeSeconds: number; path?: string }): void;
  /** Where links in mail point for this request (`config.appUrl`; in development a loopback or trusted origin); null when nowhere safe. */
  linkBase(c: Context<AuthsomeEnv>): string | null;
}
