import type { Context } from "hono";
import { parse as parseCookies } from "hono/utils/cookie";
import type { RequestMeta } from "../engine/services/sessions.js";
import type { AuthsomeEnv } from "./env.js";

export const sessionCookie = "authsome_session";
export const refreshCookie = "authsome_refresh";

/**
 * A request header (`name` in lower case). Served through `auth.nodeHandler`, it is read straight from Node's parsed
 * headers: asking the Fetch `Request` would build a `Headers` object for every request, a measurable share of the
 * session check's CPU.
 */
export function header(c: Context, name: string): string | undefined {
  const incoming = (c.env as AuthsomeEnv["Bindings"] | undefined)?.incoming;
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/** One cookie of the request. */
export function cookie(c: Context, name: string): string | undefined {
  const raw = header(c, "cookie");
  return raw ? parseCookies(raw, name)[name] : undefined;
}

/**
 * The client's IP: the socket's address, unless `trustProxy` is set — then the first `X-Forwarded-For` hop, which
 * only a proxy you control may write.
 */
export function clientIp(c: Context<AuthsomeEnv>, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = header(c, "x-forwarded-for")?.split(",")[0]?.trim();
    if (forwarded) return forwarded;
  }
  return c.env?.incoming?.socket?.remoteAddress ?? "unknown";
}

export function requestMeta(c: Context<AuthsomeEnv>, trustProxy: boolean): RequestMeta {
  return { ipAddress: clientIp(c, trustProxy), userAgent: (header(c, "user-agent") ?? "").slice(0, 512) };
}

/** The bearer token, if the request sent one. */
export function bearerToken(c: Context): string | undefined {
  const authorization = header(c, "authorization");
  const match = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization) : null;
  return match?.[1];
}

/** The session token from `Authorization: Bearer` or, failing that, the session cookie. */
export function presentedSessionToken(c: Context): string | undefined {
  return bearerToken(c) ?? cookie(c, sessionCookie);
}

/** The origin this request was addressed to (scheme from the URL, or X-Forwarded-Proto behind a trusted proxy). */
export function ownOrigin(c: Context, trustProxy: boolean): string {
  const url = new URL(c.req.url);
  const proto = trustProxy ? header(c, "x-forwarded-proto")?.split(",")[0]?.trim() : undefined;
  const host = (trustProxy ? header(c, "x-forwarded-host") : undefined) ?? header(c, "host") ?? url.host;
  return `${proto ?? url.protocol.replace(":", "")}://${host}`;
}
