import type { Context } from "hono";
import { setCookie } from "hono/cookie";
import { type CookieOptions, serialize } from "hono/utils/cookie";
import type { ResolvedConfig } from "../engine/config.js";
import type { IssuedSession } from "../engine/services/sessions.js";
import { deviceCookieMaxAgeSeconds, deviceCookieName } from "../engine/services/trusted-devices.js";
import type { SessionSettings } from "../engine/tenants.js";
import type { AuthsomeEnv } from "./env.js";
import { refreshCookie, requestOrigin, sessionCookie } from "./request.js";

/** `auto`: Secure when the app is served over HTTPS (`appUrl`), or — with no `appUrl`, in development — the request was. */
function isSecure(c: Context<AuthsomeEnv>, config: ResolvedConfig): boolean {
  if (config.cookies.secure !== "auto") return config.cookies.secure;
  return (config.appOrigin ?? requestOrigin(c, config.trustProxy)).startsWith("https:");
}

function base(c: Context<AuthsomeEnv>, config: ResolvedConfig) {
  return {
    httpOnly: true,
    sameSite: "Lax" as const,
    secure: isSecure(c, config),
    ...(config.cookies.domain ? { domain: config.cookies.domain } : {}),
  };
}

/** Sets a cookie — on node:http straight onto the response, sparing a Fetch Headers object per sign-in. */
function putCookie(c: Context<AuthsomeEnv>, name: string, value: string, options: CookieOptions & { path: string }): void {
  const outgoing = c.env?.outgoing;
  if (outgoing) outgoing.appendHeader("set-cookie", serialize(name, value, options));
  else setCookie(c, name, value, options);
}

/**
 * The two cookies of the contract: the session token site-wide, the refresh token only for the refresh route; their
 * lifetimes are the app's session TTLs.
 */
export function setSessionCookies(c: Context<AuthsomeEnv>, config: ResolvedConfig, issued: IssuedSession, ttl: SessionSettings): void {
  const opts = base(c, config);
  putCookie(c, sessionCookie, issued.sessionToken, { ...opts, path: "/", maxAge: ttl.tokenTtlSeconds });
  putCookie(c, refreshCookie, issued.refreshToken, {
    ...opts,
    path: `${config.basePath}/refresh`,
    maxAge: ttl.refreshTokenTtlSeconds,
  });
}

/** The signed device cookie (see `lockout.trustedDevices`): sent only to the API, where sign-in reads it. */
export function setDeviceCookie(c: Context<AuthsomeEnv>, config: ResolvedConfig, value: string): void {
  putCookie(c, deviceCookieName, value, { ...base(c, config), path: config.basePath, maxAge: deviceCookieMaxAgeSeconds });
}

/**
 * A plugin's own cookie (an OAuth flow's browser binding): HttpOnly, SameSite=Lax, Secure as the session cookies are,
 * scoped to `path` under the API (default `basePath`). `maxAgeSeconds` 0 clears it.
 */
export function setPluginCookie(c: Context<AuthsomeEnv>, config: ResolvedConfig, name: string, value: string, options: { maxAgeSeconds: number; path?: string }): void {
  putCookie(c, name, value, { ...base(c, config), path: `${config.basePath}${options.path ?? ""}`, maxAge: options.maxAgeSeconds });
}

export function clearSessionCookies(c: Context<AuthsomeEnv>, config: ResolvedConfig): void {
  const opts = base(c, config);
  putCookie(c, sessionCookie, "", { ...opts, path: "/", maxAge: 0 });
  putCookie(c, refreshCookie, "", { ...opts, path: `${config.basePath}/refresh`, maxAge: 0 });
}
