import * as oauth from "oauth4webapi";
import {
  authorizationRequest,
  checkProviderId,
  checkProviderUrl,
  checkRedirectUri,
  checkScopes,
  mapOAuthError,
  providerError,
  type ProviderIo,
  type ProviderProfile,
  providerFetch,
  readJson,
  requestOptions,
  requireStrings,
  safeImage,
  type SocialProvider,
  splitName,
  toProviderTokens,
} from "./provider.js";

export interface GitHubOptions {
  clientId: string;
  clientSecret: string;
  /** The OAuth app's callback URL: `<api origin><basePath>/social/github/callback`. */
  redirectURI: string;
  /** Default `read:user user:email` (`user:email` is what lists private and verified addresses). */
  scopes?: string[];
  /** Default `https://github.com`; GitHub Enterprise Server: `https://ghe.example.com`. */
  baseUrl?: string;
  /** Default `https://api.github.com`; GitHub Enterprise Server: `https://ghe.example.com/api/v3`. */
  apiBaseUrl?: string;
  /** Default `github` (give another to configure two GitHub hosts, e.g. `github` and `ghe`). */
  id?: string;
  /** Default `GitHub`. */
  name?: string;
}

/** The REST API version we speak (supported until March 2028). */
export const gitHubApiVersion = "2022-11-28";
const userAgent = "authsome";

interface GitHubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
}

/**
 * GitHub (or GitHub Enterprise Server) sign-in: the OAuth web flow with state and PKCE S256, then `GET /user` and
 * `GET /user/emails`. The address used is the primary verified one, else any verified one, else the profile's public
 * address marked unverified (so it never links an existing account).
 * @example
 * ```ts
 * social({ providers: [github({ clientId, clientSecret, redirectURI: "https://myapp.example.com/v1/auth/social/github/callback" })] })
 * ```
 * @throws ValidationError `invalid_config` for a missing field or a non-https URL (http: only on loopback).
 */
export function github(options: GitHubOptions): SocialProvider {
  const id = checkProviderId(options.id ?? "github", "github.id");
  requireStrings(id, { clientId: options.clientId, clientSecret: options.clientSecret, redirectURI: options.redirectURI });
  const base = checkProviderUrl((options.baseUrl ?? "https://github.com").replace(/\/+$/, ""), `${id}.baseUrl`);
  const api = checkProviderUrl((options.apiBaseUrl ?? "https://api.github.com").replace(/\/+$/, ""), `${id}.apiBaseUrl`);
  checkRedirectUri(options.redirectURI, `${id}.redirectURI`);
  const scopes = checkScopes(id, options.scopes ?? ["read:user", "user:email"]);
  const insecure = base.insecure || api.insecure;
  const root = base.url.href.replace(/\/+$/, "");
  const apiRoot = api.url.href.replace(/\/+$/, "");
  // GitHub publishes no discovery document; it sends no `iss` on the callback either, so none is expected.
  const as: oauth.AuthorizationServer = {
    issuer: `${root}/login/oauth`,
    authorization_endpoint: `${root}/login/oauth/authorize`,
    token_endpoint: `${root}/login/oauth/access_token`,
  };
  const client: oauth.Client = { client_id: options.clientId };
  const clientAuth = oauth.ClientSecretPost(options.clientSecret);

  /** GitHub answers a bad code (and every other token error) with 200 and an `error` field: make it the 400 it means. */
  async function errorsAsStatus(response: Response): Promise<Response> {
    if (response.status !== 200 || !(response.headers.get("content-type") ?? "").includes("json")) return response;
    const { text, json } = await readJson(id, response);
    const error = (json as { error?: unknown } | null)?.error;
    return new Response(text, { status: typeof error === "string" ? 400 : 200, headers: response.headers });
  }

  /** A REST read: its status, and its body when the answer is 200 (other answers are not read as JSON). */
  async function restGet(io: ProviderIo, path: string, token: string): Promise<{ status: number; text: string; json: unknown }> {
    const response = await providerFetch(id, io)(`${apiRoot}${path}`, {
      headers: {
        accept: "application/vnd.github+json",
        authorization: `Bearer ${token}`,
        "user-agent": userAgent,
        "x-github-api-version": gitHubApiVersion,
      },
    });
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => {});
      return { status: response.status, text: "", json: null };
    }
    const { text, json } = await readJson(id, response);
    return { status: response.status, text, json };
  }

  async function profileOf(io: ProviderIo, token: string): Promise<ProviderProfile> {
    const user = await restGet(io, "/user", token);
    const body = user.json as Record<string, unknown> | null;
    if (user.status !== 200 || !body || typeof body !== "object") throw providerError(id, new Error(`GET /user answered ${user.status}`));
    const accountId = accountIdOf(user.text, body.id);
    if (accountId === null) throw providerError(id, new Error("GET /user has no numeric id"));
    // Without `user:email` (a 403 or 404, as an old Enterprise server may answer too) only the public address is
    // known; a 5xx or a timeout here fails the sign-in like any other.
    const emails = await restGet(io, "/user/emails", token);
    const listed = emails.status === 200 && Array.isArray(emails.json) ? (emails.json as unknown[]).filter(isGitHubEmail) : [];
    const chosen = listed.find((e) => e.primary && e.verified) ?? listed.find((e) => e.verified);
    const publicEmail = typeof body.email === "string" && body.email !== "" ? body.email : null;
    const name = splitName(body.name ?? body.login);
    return {
      accountId,
      email: chosen ? chosen.email : publicEmail,
      emailVerified: chosen !== undefined,
      ...name,
      image: safeImage(body.avatar_url),
    };
  }

  return {
    id,
    name: options.name ?? "GitHub",
    redirectURI: options.redirectURI,
    prepare: async () => {},
    authorizationUrl: (_io, secrets) => authorizationRequest(as, { clientId: options.clientId, redirectURI: options.redirectURI, scopes }, secrets),
    async signIn(io, callback, secrets) {
      try {
        const params = oauth.validateAuthResponse(as, client, callback, secrets.state);
        const response = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, options.redirectURI, secrets.codeVerifier, requestOptions(id, io, insecure, errorsAsStatus));
        const result = await oauth.processAuthorizationCodeResponse(as, client, response);
        const tokens = toProviderTokens(result, io.now());
        return { profile: await profileOf(io, tokens.accessToken), tokens };
      } catch (error) {
        throw mapOAuthError(id, error, io.logger);
      }
    },
  };
}

function isGitHubEmail(value: unknown): value is GitHubEmail {
  const e = value as Partial<GitHubEmail> | null;
  return typeof e === "object" && e !== null && typeof e.email === "string" && e.email !== "" && typeof e.primary === "boolean" && typeof e.verified === "boolean";
}

/**
 * `/user`'s `id` is an int64: beyond 2^53 `JSON.parse` rounds it, so the digits are then read from the body's text
 * (the top-level `id` is the body's first `"id"` key: GitHub's nested objects, like `plan`, carry none).
 */
function accountIdOf(text: string, parsed: unknown): string | null {
  if (typeof parsed !== "number" || !Number.isInteger(parsed) || parsed <= 0) return null;
  if (Number.isSafeInteger(parsed)) return String(parsed);
  const digits = /"id"\s*:\s*(\d{1,20})\s*[,}]/.exec(text)?.[1];
  return digits !== undefined && Number(digits) === parsed ? digits : null; // the same number, read exactly
}
