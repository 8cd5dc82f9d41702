import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import type { ResolvedConfig } from "../engine/config.js";
import type { IssuedSession } from "../engine/services/sessions.js";
import type { SessionSettings } from "../engine/tenants.js";
import type { AuthsomeEnv } from "./env.js";
import { ownOrigin, refreshCookie, sessionCookie } from "./request.js";

function isSecure(c: Context<AuthsomeEnv>, config: ResolvedConfig): boolean {
  if (config.cookies.secure !== "auto") return config.cookies.secure;
  return ownOrigin(c, config.trustProxy).startsWith("https:");
}

function base(c: Context<AuthsomeEnv>, config: ResolvedConfig) {
  return {
    httpOnly: true,
    sameSite: "Lax" as const,
    secure: isSecure(c, config),
    ...(config.cookies.domain ? { domain: config.cookies.domain } : {}),
  };
}

/**
 * The two cookies of the contract: the session token site-wide, the refresh token only for the refresh route; their
 * lifetimes are the app's session TTLs.
 */
export function setSessionCookies(c: Context<AuthsomeEnv>, config: ResolvedConfig, issued: IssuedSession, ttl: SessionSettings): void {
  const opts = base(c, config);
  setCookie(c, sessionCookie, issued.sessionToken, { ...opts, path: "/", maxAge: ttl.tokenTtlSeconds });
  setCookie(c, refreshCookie, issued.refreshToken, {
    ...opts,
    path: `${config.basePath}/refresh`,
    maxAge: ttl.refreshTokenTtlSeconds,
  });
}

export function clearSessionCookies(c: Context<AuthsomeEnv>, config: ResolvedConfig): void {
  const opts = base(c, config);
  deleteCookie(c, sessionCookie, { ...opts, path: "/" });
  deleteCookie(c, refreshCookie, { ...opts, path: `${config.basePath}/refresh` });
}
