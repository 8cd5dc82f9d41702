import * as oauth from "oauth4webapi";
import { UpstreamError, ValidationError } from "../../../errors.js";
import type { Logger } from "../../../plugin/index.js";

/** Who the provider says signed in. */
export interface ProviderProfile {
  /** The provider's stable id of the account (GitHub's numeric id, an OpenID `sub`), as text. */
  accountId: string;
  /** Null when the provider gave none (a GitHub account without a public or listed address). */
  email: string | null;
  /** Whether the provider vouches that the account owns `email`. */
  emailVerified: boolean;
  firstName: string;
  lastName: string;
  /** An `https:` picture URL, or "". */
  image: string;
}

/** The provider's tokens for the account, kept sealed for `auth.api.getProviderToken`. */
export interface ProviderTokens {
  accessToken: string;
  refreshToken: string | null;
  expiresAt: Date | null;
  /** Granted scopes, space-separated. */
  scope: string;
}

/** What a provider call needs from the plugin: outgoing HTTP (`ctx.fetch`), the time limit, the clock, the log. */
export interface ProviderIo {
  fetch: typeof fetch;
  timeoutMs: number;
  now: () => Date;
  logger: Logger;
}

/** What the flow hands the provider to build the authorization URL, and checks again at the callback. */
export interface FlowSecrets {
  state: string;
  codeVerifier: string;
  nonce: string;
}

/**
 * A sign-in provider (GitHub, any OpenID Connect issuer): built by `github()`, `oidc()`, `google()`, `microsoft()`.
 * State, PKCE (S256) and — for OpenID Connect — nonce are always used.
 */
export interface SocialProvider {
  /** The `:provider` of the routes and the `provider` of linked accounts (`github`, `google`, …). */
  readonly id: string;
  /** Shown to people (`GitHub`). */
  readonly name: string;
  /** The callback registered with the provider: `<api origin><basePath>/social/<id>/callback`. */
  readonly redirectURI: string;
  /** Whatever the provider must know before a flow starts (OpenID discovery); a failure starts no flow. */
  prepare(io: ProviderIo): Promise<void>;
  authorizationUrl(io: ProviderIo, secrets: FlowSecrets): Promise<URL>;
  /**
   * Redeems the callback's code and reads the account.
   * @throws ValidationError `invalid_oauth_code` (a bad, used or expired code), `invalid_id_token`; UpstreamError
   *   `provider_unavailable` (unreachable, timed out, 5xx), `provider_error` (any other refusal or nonsense).
   */
  signIn(io: ProviderIo, callback: URLSearchParams, secrets: FlowSecrets): Promise<{ profile: ProviderProfile; tokens: ProviderTokens }>;
}

/** What a provider id may look like: it is the routes' `:provider`. */
export const providerIdShape = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** @throws ValidationError `invalid_config` for an id that cannot be a path segment of the routes. */
export function checkProviderId(id: unknown, field: string): string {
  if (typeof id !== "string" || !providerIdShape.test(id)) {
    throw new ValidationError("invalid_config", `${field} must match ${providerIdShape} (it is the routes' :provider)`, { details: { field } });
  }
  return id;
}

const loopbackHosts = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * A provider URL: `https:`, or `http:` on a loopback host only (a local stand-in, development). Returns whether it is
 * the latter, which is the only case `oauth4webapi` is told to allow plain HTTP.
 * @throws ValidationError `invalid_config` naming `field`.
 */
export function checkProviderUrl(value: string, field: string): { url: URL; insecure: boolean } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError("invalid_config", `${field} must be an absolute URL, not "${value}"`, { details: { field } });
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ValidationError("invalid_config", `${field} must not carry credentials, a query or a fragment`, { details: { field } });
  }
  if (url.protocol === "https:") return { url, insecure: false };
  if (url.protocol === "http:" && loopbackHosts.has(url.hostname)) return { url, insecure: true };
  throw new ValidationError("invalid_config", `${field} must be an https: URL (http: only on localhost, 127.0.0.1 or [::1]), not "${value}"`, { details: { field } });
}

/**
 * The callback URL registered with the provider: an absolute `http(s)` URL without credentials or a fragment (it is
 * ours, so plain HTTP is the operator's choice: GitHub accepts it too).
 * @throws ValidationError `invalid_config` naming `field`.
 */
export function checkRedirectUri(value: string, field: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError("invalid_config", `${field} must be an absolute URL, not "${value}"`, { details: { field } });
  }
  if ((url.protocol !== "https:" && url.protocol !== "http:") || url.username || url.password || url.hash) {
    throw new ValidationError("invalid_config", `${field} must be an http(s) URL without credentials or a fragment`, { details: { field } });
  }
}

/** @throws ValidationError `invalid_config` naming the first of `fields` that is missing or blank. */
export function requireStrings(provider: string, fields: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value !== "string" || value.trim() === "") {
      throw new ValidationError("invalid_config", `${provider}: ${name} is required`, { details: { field: `${provider}.${name}` } });
    }
  }
}

export function checkScopes(provider: string, scopes: readonly string[]): string[] {
  if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== "string" || !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s))) {
    throw new ValidationError("invalid_config", `${provider}: scopes must be a list of scope tokens`, { details: { field: `${provider}.scopes` } });
  }
  return [...scopes];
}

export const unavailable = (provider: string, cause?: unknown) =>
  new UpstreamError("provider_unavailable", `The sign-in provider "${provider}" could not be reached; try again`, { cause });
export const providerError = (provider: string, cause?: unknown) =>
  new UpstreamError("provider_error", `The sign-in provider "${provider}" refused the request or answered something unusable`, { cause });
const invalidCode = () =>
  new ValidationError("invalid_oauth_code", "The authorization code is invalid, expired or already used; sign in again", { details: { fields: { code: "is invalid, expired or used" } } });
const invalidIdToken = (cause: unknown) => new ValidationError("invalid_id_token", "The provider's ID token did not validate; sign in again", { cause });

/**
 * Outgoing HTTP to a provider, bounded by the time limit: no answer, a reset or a 5xx is `provider_unavailable`.
 * `rewrite` may replace a response before `oauth4webapi` reads it (GitHub's errors with status 200).
 */
export function providerFetch(provider: string, io: ProviderIo, rewrite?: (response: Response) => Promise<Response>) {
  return async (url: string, init: RequestInit): Promise<Response> => {
    let response: Response;
    try {
      response = await io.fetch(url, { ...init, signal: AbortSignal.timeout(io.timeoutMs) });
    } catch (error) {
      throw unavailable(provider, error);
    }
    if (response.status >= 500) {
      await response.body?.cancel().catch(() => {});
      throw unavailable(provider, new Error(`HTTP ${response.status} from ${new URL(url).pathname}`));
    }
    return rewrite ? rewrite(response) : response;
  };
}

/** The options every `oauth4webapi` request of a provider takes: our fetch, and plain HTTP only for a loopback URL. */
export function requestOptions(provider: string, io: ProviderIo, insecure: boolean, rewrite?: (response: Response) => Promise<Response>) {
  return {
    [oauth.customFetch]: providerFetch(provider, io, rewrite),
    ...(insecure ? { [oauth.allowInsecureRequests]: true } : {}),
  };
}

/**
 * Reads a body that must be JSON, within the time limit the response was fetched under.
 * @throws UpstreamError `provider_unavailable` when the body stalls or breaks off, `provider_error` when it is not JSON.
 */
export async function readJson(provider: string, response: Response): Promise<{ text: string; json: unknown }> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw unavailable(provider, error);
  }
  try {
    return { text, json: JSON.parse(text) as unknown };
  } catch (error) {
    throw providerError(provider, error);
  }
}

/** The protocol's errors as the API's: what the user can retry (a bad code) is a 400, the provider's fault a 502. */
export function mapOAuthError(provider: string, error: unknown, logger: Logger): Error {
  if (error instanceof UpstreamError || error instanceof ValidationError) return error;
  if (error instanceof oauth.ResponseBodyError) {
    if (error.error === "invalid_grant" || error.error === "bad_verification_code") return invalidCode();
    // A misconfiguration (wrong secret, redirect URI) or a refusal: the operator needs the provider's code, not the user.
    logger.error("oauth provider refused the code exchange", { provider, reason: error.error, status: error.status });
    return providerError(provider, error);
  }
  if (error instanceof oauth.OperationProcessingError && error.code && /^OAUTH_JWT_/.test(error.code)) {
    logger.warn("oauth id token rejected", { provider, reason: error.code });
    return invalidIdToken(error);
  }
  if (error instanceof oauth.OperationProcessingError && error.cause instanceof UpstreamError) return error.cause;
  // Only the kind: oauth4webapi's errors carry the response (tokens, codes) in their cause.
  logger.error("oauth provider answered something unusable", { provider, reason: (error as { code?: unknown }).code ?? (error as Error).name });
  return providerError(provider, error);
}

/** The authorization request every provider sends: response type code, PKCE S256, state, scopes; nonce for OpenID. */
export async function authorizationRequest(
  as: oauth.AuthorizationServer,
  client: { clientId: string; redirectURI: string; scopes: readonly string[] },
  secrets: FlowSecrets,
  extra: Record<string, string> = {},
): Promise<URL> {
  if (!as.authorization_endpoint) throw new UpstreamError("provider_error", "The provider has no authorization endpoint");
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set("client_id", client.clientId);
  url.searchParams.set("redirect_uri", client.redirectURI);
  url.searchParams.set("response_type", "code");
  if (client.scopes.length > 0) url.searchParams.set("scope", client.scopes.join(" "));
  url.searchParams.set("state", secrets.state);
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(secrets.codeVerifier));
  url.searchParams.set("code_challenge_method", "S256");
  for (const [key, value] of Object.entries(extra)) url.searchParams.set(key, value);
  return url;
}

/** A token response as the tokens we keep: scopes space-separated (GitHub sends them comma-separated). */
export function toProviderTokens(response: oauth.TokenEndpointResponse, now: Date): ProviderTokens {
  const scope = typeof response.scope === "string" ? response.scope.split(/[\s,]+/).filter(Boolean).join(" ") : "";
  const expiresIn = typeof response.expires_in === "number" && response.expires_in > 0 ? response.expires_in : null;
  return {
    accessToken: response.access_token,
    refreshToken: typeof response.refresh_token === "string" && response.refresh_token !== "" ? response.refresh_token : null,
    expiresAt: expiresIn === null ? null : new Date(now.getTime() + expiresIn * 1000),
    scope,
  };
}

/** A profile picture we pass on: `https:` only (the user's `image` rule), at most 2048 characters. */
export function safeImage(value: unknown): string {
  if (typeof value !== "string" || value.length > 2048) return "";
  try {
    return new URL(value).protocol === "https:" ? value : "";
  } catch {
    return "";
  }
}

// What a user's name may not hold (the API's name rule): control characters, bidi overrides and isolates, lone surrogates.
const unfitInNames = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * First and last name from what a provider has: given/family names, else a full name split at its first space;
 * characters a name may not hold are dropped, and each part is cut to 100 characters (whole code points).
 */
export function splitName(full: unknown, given?: unknown, family?: unknown): { firstName: string; lastName: string } {
  const clip = (v: unknown) => (typeof v === "string" ? Array.from(v.replace(unfitInNames, "").trim()).slice(0, 100).join("").trim() : "");
  if (clip(given) || clip(family)) return { firstName: clip(given), lastName: clip(family) };
  const name = clip(full);
  const space = name.indexOf(" ");
  return space < 0 ? { firstName: name, lastName: "" } : { firstName: name.slice(0, space), lastName: name.slice(space + 1).trim() };
}
