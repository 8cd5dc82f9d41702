import type { Context } from "hono";
import { parse as parseCookies } from "hono/utils/cookie";
import type { RequestMeta } from "../engine/request-meta.js";
import { clientAddress, fromSocket, type ProxyTrust } from "../engine/proxy-trust.js";
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

/** The socket peer's address, as Node reports it (`undefined` outside node:http). */
function socketAddress(c: Context<AuthsomeEnv>): string | undefined {
  return c.env?.incoming?.socket?.remoteAddress;
}

/**
 * The client's IP: the socket's address, unless `trustProxy` says the peer is a proxy of ours — then the rightmost
 * `X-Forwarded-For` hop that is not a trusted proxy (see `clientAddress`). Always a normalised IP, or `unknown`.
 */
export function clientIp(c: Context<AuthsomeEnv>, trust: ProxyTrust): string {
  return clientAddress(socketAddress(c), trust.enabled ? header(c, "x-forwarded-for") : undefined, trust);
}

/** Whether the `X-Forwarded-*` headers of this request were written by a trusted proxy. */
function isFromTrustedProxy(c: Context<AuthsomeEnv>, trust: ProxyTrust): boolean {
  const socket = socketAddress(c);
  return trust.enabled && trust.isTrusted(socket === undefined ? "unknown" : fromSocket(socket), 0);
}

/** The rightmost value of a comma-separated forwarding header: the one our own proxy wrote (a client writes to its left). */
function lastHop(value: string | undefined): string | undefined {
  const hop = value?.split(",").at(-1)?.trim();
  return hop ? hop : undefined;
}

export function requestMeta(c: Context<AuthsomeEnv>, trust: ProxyTrust): RequestMeta {
  return { ipAddress: clientIp(c, trust), userAgent: (header(c, "user-agent") ?? "").slice(0, 512) };
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

/**
 * The origin this request was addressed to: the URL's scheme and the `Host` header — or `X-Forwarded-Proto` and
 * `X-Forwarded-Host` when a trusted proxy sent them. Anyone can send any `Host`, so this never decides where links in
 * mail point or which origin the CSRF check accepts (both come from `config.appUrl`); development mode uses it for
 * links only when it is a loopback or trusted origin.
 */
export function requestOrigin(c: Context<AuthsomeEnv>, trust: ProxyTrust): string {
  const url = new URL(c.req.url);
  const forwarded = isFromTrustedProxy(c, trust);
  const proto = forwarded ? lastHop(header(c, "x-forwarded-proto")) : undefined;
  const host = (forwarded ? lastHop(header(c, "x-forwarded-host")) : undefined) ?? header(c, "host") ?? url.host;
  return `${proto ?? url.protocol.replace(":", "")}://${host}`;
}

/** Whether `origin` is `http(s)://localhost`, `127.0.0.0/8` or `[::1]`, on any port. */
export function isLoopbackOrigin(origin: string): boolean {
  try {
    const { hostname } = new URL(origin);
    return hostname === "localhost" || hostname === "[::1]" || /^127(?:\.\d{1,3}){3}$/.test(hostname);
  } catch {
    return false;
  }
}
