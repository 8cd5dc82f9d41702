// Drives the social plugin's flows over HTTP the way a browser (or a single-page app) does: start, "click Authorize"
// at the provider peer, come back to the callback with the browser-binding cookie.
import { expect } from "vitest";
import type { CallOptions, CallResult, TestEngine } from "../../support/engine.js";
import { basePath, origin } from "../../support/engine.js";

/** The callback URL the engine's routes serve for `provider` (as registered with the peer). */
export const callbackUrl = (provider: string) => `${origin}${basePath}/social/${provider}/callback`;

/** A peer that plays the user approving (or refusing) at the provider: the authorize URL → the Location it sends back. */
export interface ApprovingPeer {
  approve(authorizeUrl: string): Promise<URL>;
}

/** `name=value` of each Set-Cookie a response carries, joined as a Cookie header. */
export function cookiesOf(res: CallResult): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(";", 1)[0] as string)
    .filter((c) => !c.endsWith("="))
    .join("; ");
}

export function setCookie(res: CallResult, name: string): string | undefined {
  return res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
}

export interface StartedFlow {
  authUrl: URL;
  /** The browser-binding cookie the start set (`authsome_oauth=…`). */
  cookie: string;
}

/** `POST /social/:provider` (the single-page-app start): the authorization URL and the binding cookie. */
export async function startFlow(e: TestEngine, provider: string, body: Record<string, unknown> = {}, options: CallOptions = {}): Promise<StartedFlow> {
  const res = await e.call("POST", `/social/${provider}`, { body, ...options });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { authUrl: new URL(res.body.auth_url as string), cookie: cookiesOf(res) };
}

/** The provider's redirect back, followed to our callback (JSON unless `browser`), with the flow's cookie. */
export function followCallback(e: TestEngine, provider: string, location: URL, cookie: string, options: { browser?: boolean; headers?: Record<string, string> } = {}): Promise<CallResult> {
  expect(location.href.startsWith(callbackUrl(provider)), location.href).toBe(true);
  return e.call("GET", `/social/${provider}/callback${location.search}`, {
    cookie,
    headers: { ...(options.browser ? { accept: "text/html" } : { accept: "application/json" }), ...options.headers },
  });
}

/** Start → approve at the peer → callback: the callback's response. */
export async function signInVia(e: TestEngine, peer: ApprovingPeer, provider: string, options: { body?: Record<string, unknown>; browser?: boolean; call?: CallOptions } = {}): Promise<CallResult> {
  const flow = await startFlow(e, provider, options.body ?? {}, options.call ?? {});
  const location = await peer.approve(flow.authUrl.href);
  return followCallback(e, provider, location, flow.cookie, { browser: options.browser ?? false });
}
