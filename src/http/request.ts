import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { RequestMeta } from "../engine/services/sessions.js";
import type { AuthsomeEnv } from "./env.js";

export const sessionCookie = "authsome_session";
export const refreshCookie = "authsome_refresh";

/**
 * The client's IP: the socket's address, unless `trustProxy` is set — then the first `X-Forwarded-For` hop, which
 * only a proxy you control may write.
 */
export function clientIp(c: Context<AuthsomeEnv>, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
    if (forwarded) return forwarded;
  }
  return c.env?.incoming?.socket?.remoteAddress ?? "unknown";
}

export function requestMeta(c: Context<AuthsomeEnv>, trustProxy: boolean): RequestMeta {
  return { ipAddress: clientIp(c, trustProxy), userAgent: (c.req.header("user-agent") ?? "").slice(0, 512) };
}

/** The bearer token, if the request sent one. */
export function bearerToken(c: Context): string | undefined {
  const header = c.req.header("authorization");
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/** The session token from `Authorization: Bearer` or, failing that, the session cookie. */
export function presentedSessionToken(c: Context): string | undefined {
  return bearerToken(c) ?? getCookie(c, sessionCookie);
}

/** The origin this request was addressed to (scheme from the URL, or X-Forwarded-Proto behind a trusted proxy). */
export function ownOrigin(c: Context, trustProxy: boolean): string {
  const url = new URL(c.req.url);
  const proto = trustProxy ? c.req.header("x-forwarded-proto")?.split(",")[0]?.trim() : undefined;
  const host = (trustProxy ? c.req.header("x-forwarded-host") : undefined) ?? c.req.header("host") ?? url.host;
  return `${proto ?? url.protocol.replace(":", "")}://${host}`;
}
