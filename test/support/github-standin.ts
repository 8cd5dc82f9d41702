// A stand-in for GitHub's OAuth web flow and the two REST endpoints a sign-in needs, on 127.0.0.1 (written by us, no
// library). "github.com" lives at `baseUrl` (/login/oauth/authorize, /login/oauth/access_token) and the REST API at
// `apiBaseUrl` = `${baseUrl}/api/v3` (the GitHub Enterprise Server layout: /api/v3/user, /api/v3/user/emails).
// It keeps GitHub's quirks: token errors come back as HTTP 200 with an `error` body, the token response is
// form-encoded unless `Accept` asks for JSON, the granted scope is comma-separated, the REST API rejects requests
// without a User-Agent, and user ids are int64 (emitted as bare JSON numbers, exact beyond 2^53).
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { followAuthorize } from "./authorize.js";

/** One entry of `GET /user/emails`. */
export interface GitHubEmail {
  email: string;
  primary: boolean;
  verified: boolean;
  /** Default: `"public"` for the primary address when it is also the profile email, `"private"` for another primary, `null` otherwise. */
  visibility?: string | null;
}

/** A GitHub account known to the stand-in. */
export interface GitHubUser {
  /** A decimal string for ids beyond 2^53: emitted in JSON as a bare number literal, digit for digit. */
  id: number | string;
  login: string;
  name?: string | null;
  /** The public profile email (`email` of `GET /user`); `null` when the account shows none. */
  email?: string | null;
  avatarUrl?: string;
  /** What `GET /user/emails` lists. Default: the profile email as the primary, verified address (or none). */
  emails?: GitHubEmail[];
}

/** A request the stand-in received. */
export interface RecordedRequest {
  method: string;
  /** The path without the query string, e.g. `/api/v3/user`. */
  path: string;
  /** The raw request target, with the query string. */
  url: string;
  /** Lower-cased names (`headers["x-github-api-version"]`); repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

export type GitHubEndpoint = "authorize" | "token" | "user" | "emails";

/** What a faulted endpoint does instead of answering: a status (and body), never answer, or drop the connection. */
export type GitHubFault =
  | { status: number; body?: string; headers?: Record<string, string> }
  | { hang: true }
  | { reset: true };

export interface GitHubStandInOptions {
  /** Default `"standinclient"`. */
  clientId?: string;
  /** Default `"standin-secret-<random hex>"`. */
  clientSecret?: string;
  /** The app's registered callback URL; when set, an authorize `redirect_uri` other than it is refused (400). */
  callbackUrl?: string;
  /** The clock for code (10 min) and expiring-token lifetimes. Default: the real time. */
  now?: () => Date;
}

export interface GitHubStandIn {
  /** `http://127.0.0.1:PORT`, the "https://github.com" part. */
  baseUrl: string;
  /** `${baseUrl}/login/oauth/authorize`. */
  authorizationEndpoint: string;
  /** `${baseUrl}/login/oauth/access_token`. */
  tokenEndpoint: string;
  /** `${baseUrl}/api/v3`, the "https://api.github.com" part. */
  apiBaseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Every request received, oldest first (faulted ones included). */
  requests: RecordedRequest[];
  clearRequests(): void;
  /** Registers an account; returns the stored record (later `updateUser` calls mutate it). */
  addUser(user: GitHubUser): GitHubUser;
  /** Changes an account in place (tokens already issued see the change); `patch.login` renames it. */
  updateUser(login: string, patch: Partial<GitHubUser>): GitHubUser;
  /** The account that approves the following authorizations, until changed. @throws for an unknown login */
  authorizeAs(login: string): void;
  /** The next authorization is denied: a redirect with `error` (default `access_denied`). */
  denyNext(error?: string): void;
  /** Token responses also carry `refresh_token`, `expires_in` (8 h) and `refresh_token_expires_in` (~6 months). */
  expiringTokens(enabled: boolean): void;
  /** "Clicks Authorize": GETs `authorizeUrl` without following the redirect and returns its Location. @throws when it does not redirect */
  approve(authorizeUrl: string): Promise<URL>;
  /** The next `times` requests to `endpoint` get `fault` instead of an answer. */
  fail(endpoint: GitHubEndpoint, fault: GitHubFault, times?: number): void;
  /** Every access and refresh token issued. */
  tokens(): string[];
  /** Stops the server; held (hanging) and keep-alive connections are destroyed. */
  close(): Promise<void>;
}

const tokenErrorsDoc = "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors";
const tokenErrors = {
  incorrect_client_credentials: {
    error_description: "The client_id and/or client_secret passed are incorrect.",
    error_uri: `${tokenErrorsDoc}/#incorrect-client-credentials`,
  },
  bad_verification_code: {
    error_description: "The code passed is incorrect or expired.",
    error_uri: `${tokenErrorsDoc}/#bad-verification-code`,
  },
  redirect_uri_mismatch: {
    error_description: "The redirect_uri MUST match the registered callback URL for this application.",
    error_uri: `${tokenErrorsDoc}/#redirect-uri-mismatch2`,
  },
  bad_refresh_token: {
    error_description: "The refresh token passed is incorrect or expired.",
    error_uri: `${tokenErrorsDoc}/#bad-refresh-token`,
  },
  unsupported_grant_type: {
    error_description: "The grant type is not supported.",
    error_uri: tokenErrorsDoc,
  },
} as const;
type TokenError = keyof typeof tokenErrors;

const userAgentRequired =
  "Request forbidden by administrative rules. Please make sure your request has a User-Agent header " +
  "(https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required). " +
  "Check https://developer.github.com for other possible causes.\n";
const supportedApiVersions = ["2022-11-28", "2026-03-10"];
const codeLifetimeMs = 10 * 60 * 1000;
const accessTokenLifetime = 28_800;
const refreshTokenLifetime = 15_897_600;

interface Grant {
  user: GitHubUser;
  scopes: string[];
}

interface PendingCode extends Grant {
  redirectUri: string | undefined;
  challenge: string | undefined;
  expiresAt: number;
}

interface IssuedToken extends Grant {
  /** Epoch ms; `undefined` = never expires. */
  expiresAt: number | undefined;
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

function randomToken(prefix: string): string {
  let out = prefix;
  for (const byte of randomBytes(36)) out += base62[byte % 62];
  return out;
}

function base64url(data: Buffer): string {
  return data.toString("base64url");
}

/** The id's decimal digits, checked: a JSON number literal that loses nothing. */
function idLiteral(id: number | string): string {
  if (typeof id === "number") {
    if (!Number.isSafeInteger(id) || id < 1) throw new Error(`GitHub ids are positive integers below 2^53 as numbers (pass a decimal string beyond): ${id}`);
    return String(id);
  }
  if (!/^[1-9][0-9]{0,18}$/.test(id)) throw new Error(`not a GitHub id: ${JSON.stringify(id)}`);
  return id;
}

function nodeId(id: string): string {
  return Buffer.from(`04:User${id}`).toString("base64");
}

function headerRecord(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** `application/x-www-form-urlencoded` decoding of one Basic credential part (RFC 6749 §2.3.1). */
function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, " "));
  } catch {
    return value;
  }
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const match = /^basic\s+(\S+)$/i.exec(header ?? "");
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return undefined;
  return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
}

function bearer(header: string | undefined): string | undefined {
  const match = /^(?:bearer|token)\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1];
}

function send(res: ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

const jsonType = "application/json; charset=utf-8";

function sendApiJson(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  send(res, status, jsonType, body, { "x-github-media-type": "github.v3; format=json", ...headers });
}

function apiError(message: string, documentationUrl: string, status: number): string {
  return JSON.stringify({ message, documentation_url: documentationUrl, status: String(status) });
}

/** Starts the stand-in on 127.0.0.1 at a random port. */
export async function startGitHubStandIn(options: GitHubStandInOptions = {}): Promise<GitHubStandIn> {
  const clientId = options.clientId ?? "standinclient";
  const clientSecret = options.clientSecret ?? `standin-secret-${randomBytes(8).toString("hex")}`;
  const callbackUrl = options.callbackUrl;
  const now = () => (options.now ? options.now().getTime() : Date.now());

  const users = new Map<string, GitHubUser>();
  const codes = new Map<string, PendingCode>();
  const accessTokens = new Map<string, IssuedToken>();
  const refreshTokens = new Map<string, IssuedToken>();
  const issued: string[] = [];
  const faults: Record<GitHubEndpoint, GitHubFault[]> = { authorize: [], token: [], user: [], emails: [] };
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let approver: GitHubUser | undefined;
  let denial: string | undefined;
  let expiring = false;
  let baseUrl = "";

  function userByLogin(login: string): GitHubUser {
    const user = users.get(login.toLowerCase());
    if (!user) throw new Error(`no GitHub user ${login} (addUser first)`);
    return user;
  }

  function issueTokens(grant: Grant): Record<string, string | number> {
    const accessToken = randomToken("gho_");
    const at = now();
    accessTokens.set(accessToken, { ...grant, expiresAt: expiring ? at + accessTokenLifetime * 1000 : undefined });
    issued.push(accessToken);
    const body: Record<string, string | number> = {
      access_token: accessToken,
      scope: grant.scopes.join(","),
      token_type: "bearer",
    };
    if (expiring) {
      const refreshToken = randomToken("ghr_");
      refreshTokens.set(refreshToken, { ...grant, expiresAt: at + refreshTokenLifetime * 1000 });
      issued.push(refreshToken);
      Object.assign(body, {
        expires_in: accessTokenLifetime,
        refresh_token: refreshToken,
        refresh_token_expires_in: refreshTokenLifetime,
      });
    }
    return body;
  }

  function authorize(res: ServerResponse, url: URL): void {
    const q = url.searchParams;
    if (q.get("client_id") !== clientId) {
      send(res, 404, "text/html; charset=utf-8", "<!DOCTYPE html><html><head><title>Page not found · GitHub</title></head><body>Not Found</body></html>");
      return;
    }
    const challenge = q.get("code_challenge") ?? undefined;
    if (challenge !== undefined && q.get("code_challenge_method") !== "S256") {
      send(res, 400, "text/plain; charset=utf-8", "code_challenge_method must be S256: the plain method is not supported\n");
      return;
    }
    const redirectParam = q.get("redirect_uri") ?? undefined;
    if (callbackUrl !== undefined && redirectParam !== undefined && redirectParam !== callbackUrl) {
      send(res, 400, "text/plain; charset=utf-8", "The redirect_uri is not associated with this application.\n");
      return;
    }
    const redirectTo = redirectParam ?? callbackUrl;
    if (redirectTo === undefined) {
      send(res, 400, "text/plain; charset=utf-8", "redirect_uri is required when the app has no callback URL\n");
      return;
    }
    const state = q.get("state");
    const location = new URL(redirectTo);
    if (denial !== undefined) {
      location.searchParams.set("error", denial);
      location.searchParams.set("error_description", "The user has denied your application access.");
      location.searchParams.set(
        "error_uri",
        "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-authorization-request-errors/#access-denied",
      );
      denial = undefined;
    } else {
      if (!approver) {
        // Nobody signed in: GitHub would show its login page.
        send(res, 200, "text/html; charset=utf-8", "<!DOCTYPE html><html><body>Sign in to GitHub (call authorizeAs first)</body></html>");
        return;
      }
      const code = randomBytes(10).toString("hex");
      const scopes = [...new Set((q.get("scope") ?? "").split(/[\s,]+/).filter(Boolean))];
      codes.set(code, { user: approver, scopes, redirectUri: redirectParam, challenge, expiresAt: now() + codeLifetimeMs });
      location.searchParams.set("code", code);
    }
    if (state !== null) location.searchParams.set("state", state);
    res.writeHead(302, { location: location.href, "content-length": 0 });
    res.end();
  }

  function token(req: IncomingMessage, res: ServerResponse, body: string): void {
    const wantsJson = (req.headers.accept ?? "").includes("application/json");
    const answer = (fields: Record<string, string | number>) => {
      if (wantsJson) send(res, 200, jsonType, JSON.stringify(fields));
      else {
        const form = new URLSearchParams(Object.entries(fields).map(([k, v]): [string, string] => [k, String(v)]));
        send(res, 200, "application/x-www-form-urlencoded; charset=utf-8", form.toString());
      }
    };
    const fail = (error: TokenError) => answer({ error, ...tokenErrors[error] });

    const contentType = req.headers["content-type"] ?? "";
    let params: URLSearchParams;
    if (contentType.includes("application/json")) {
      params = new URLSearchParams();
      try {
        const parsed: unknown = JSON.parse(body);
        if (parsed && typeof parsed === "object") {
          for (const [k, v] of Object.entries(parsed)) if (typeof v === "string") params.set(k, v);
        }
      } catch {
        // an unparsable body carries no parameters
      }
    } else {
      params = new URLSearchParams(body);
    }

    const basic = basicCredentials(req.headers.authorization);
    const id = basic?.id ?? params.get("client_id");
    const secret = basic?.secret ?? params.get("client_secret");
    if (id !== clientId || secret !== clientSecret) return fail("incorrect_client_credentials");

    const grantType = params.get("grant_type") ?? "authorization_code";
    if (grantType === "refresh_token") {
      const refreshToken = params.get("refresh_token") ?? "";
      const record = refreshTokens.get(refreshToken);
      refreshTokens.delete(refreshToken);
      if (!record || (record.expiresAt !== undefined && record.expiresAt <= now())) return fail("bad_refresh_token");
      return answer(issueTokens(record));
    }
    if (grantType !== "authorization_code") return fail("unsupported_grant_type");

    const code = params.get("code") ?? "";
    const pending = codes.get(code);
    // Single use: any redemption attempt past client authentication burns the code.
    codes.delete(code);
    if (!pending || pending.expiresAt <= now()) return fail("bad_verification_code");
    if (pending.challenge !== undefined) {
      const verifier = params.get("code_verifier");
      if (!verifier || base64url(createHash("sha256").update(verifier).digest()) !== pending.challenge) {
        return fail("bad_verification_code");
      }
    }
    const redirectUri = params.get("redirect_uri");
    if (redirectUri !== null && redirectUri !== (pending.redirectUri ?? callbackUrl)) return fail("redirect_uri_mismatch");
    answer(issueTokens(pending));
  }

  function api(req: IncomingMessage, res: ServerResponse, endpoint: "user" | "emails"): void {
    if (!req.headers["user-agent"]) {
      send(res, 403, "text/plain; charset=utf-8", userAgentRequired);
      return;
    }
    const versionHeader = req.headers["x-github-api-version"];
    const version = Array.isArray(versionHeader) ? versionHeader.join(", ") : versionHeader;
    if (version !== undefined && !supportedApiVersions.includes(version)) {
      sendApiJson(res, 400, apiError(`Unsupported 'X-GitHub-Api-Version' header value: ${version}`, "https://docs.github.com/rest/about-the-rest-api/api-versions", 400));
      return;
    }
    const docs =
      endpoint === "user"
        ? "https://docs.github.com/rest/users/users#get-the-authenticated-user"
        : "https://docs.github.com/rest/users/emails#list-email-addresses-for-the-authenticated-user";
    const presented = bearer(req.headers.authorization);
    if (presented === undefined) {
      sendApiJson(res, 401, apiError("Requires authentication", docs, 401));
      return;
    }
    const grant = accessTokens.get(presented);
    if (!grant || (grant.expiresAt !== undefined && grant.expiresAt <= now())) {
      sendApiJson(res, 401, apiError("Bad credentials", "https://docs.github.com/rest", 401));
      return;
    }
    const scopeHeaders = { "x-oauth-scopes": grant.scopes.join(", "), "x-github-api-version-selected": version ?? "2022-11-28" };
    const user = grant.user;
    if (endpoint === "emails") {
      if (!grant.scopes.includes("user:email") && !grant.scopes.includes("user")) {
        sendApiJson(res, 404, apiError("Not Found", docs, 404), { ...scopeHeaders, "x-accepted-oauth-scopes": "user, user:email" });
        return;
      }
      const emails = (user.emails ?? (user.email ? [{ email: user.email, primary: true, verified: true }] : [])).map((e) => ({
        email: e.email,
        primary: e.primary,
        verified: e.verified,
        visibility: e.visibility !== undefined ? e.visibility : e.primary ? (e.email === user.email ? "public" : "private") : null,
      }));
      sendApiJson(res, 200, JSON.stringify(emails), { ...scopeHeaders, "x-accepted-oauth-scopes": "user, user:email" });
      return;
    }
    const id = idLiteral(user.id);
    const api = `${baseUrl}/api/v3`;
    const rest = {
      node_id: nodeId(id),
      avatar_url: user.avatarUrl ?? `https://avatars.githubusercontent.com/u/${id}?v=4`,
      gravatar_id: "",
      url: `${api}/users/${user.login}`,
      html_url: `${baseUrl}/${user.login}`,
      type: "User",
      site_admin: false,
      name: user.name ?? null,
      company: null,
      blog: "",
      location: null,
      email: user.email ?? null,
      hireable: null,
      bio: null,
      twitter_username: null,
      public_repos: 0,
      public_gists: 0,
      followers: 0,
      following: 0,
      created_at: "2011-01-25T18:44:36Z",
      updated_at: "2024-01-01T00:00:00Z",
    };
    // `id` is int64: spliced in as a literal so ids beyond 2^53 survive.
    const body = `{"login":${JSON.stringify(user.login)},"id":${id},${JSON.stringify(rest).slice(1)}`;
    sendApiJson(res, 200, body, { ...scopeHeaders, "x-accepted-oauth-scopes": "" });
  }

  function endpointOf(method: string, path: string): GitHubEndpoint | undefined {
    if (method === "GET" && path === "/login/oauth/authorize") return "authorize";
    if (method === "POST" && path === "/login/oauth/access_token") return "token";
    if (method === "GET" && path === "/api/v3/user") return "user";
    if (method === "GET" && path === "/api/v3/user/emails") return "emails";
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", baseUrl);
    const method = req.method ?? "GET";
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, "") : url.pathname;
    const endpoint = endpointOf(method, path);
    const fault = endpoint ? faults[endpoint].shift() : undefined;
    if (fault && "reset" in fault) {
      requests.push({ method, path, url: req.url ?? "/", headers: headerRecord(req), body: "" });
      req.socket.destroy();
      return;
    }
    const body = await readBody(req);
    requests.push({ method, path, url: req.url ?? "/", headers: headerRecord(req), body });
    if (fault && "hang" in fault) return; // held until close() destroys the socket
    if (fault) {
      const text = fault.body ?? "";
      const type = /^\s*[[{]/.test(text) ? jsonType : "text/plain; charset=utf-8";
      send(res, fault.status, type, text, fault.headers);
      return;
    }
    switch (endpoint) {
      case "authorize":
        return authorize(res, url);
      case "token":
        return token(req, res, body);
      case "user":
      case "emails":
        return api(req, res, endpoint);
      default:
        if (path.startsWith("/api/v3")) sendApiJson(res, 404, apiError("Not Found", "https://docs.github.com/rest", 404));
        else send(res, 404, "text/html; charset=utf-8", "<!DOCTYPE html><html><body>Not Found</body></html>");
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, "text/plain; charset=utf-8", `stand-in error: ${(err as Error).message}\n`);
      else res.destroy();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl,
    authorizationEndpoint: `${baseUrl}/login/oauth/authorize`,
    tokenEndpoint: `${baseUrl}/login/oauth/access_token`,
    apiBaseUrl: `${baseUrl}/api/v3`,
    clientId,
    clientSecret,
    requests,
    clearRequests() {
      requests.length = 0;
    },
    addUser(user) {
      idLiteral(user.id);
      const key = user.login.toLowerCase();
      if (users.has(key)) throw new Error(`GitHub user ${user.login} exists`);
      const stored: GitHubUser = { ...user, emails: user.emails?.map((e) => ({ ...e })) };
      if (stored.emails === undefined) delete stored.emails;
      users.set(key, stored);
      return stored;
    },
    updateUser(login, patch) {
      const user = userByLogin(login);
      if (patch.id !== undefined) idLiteral(patch.id);
      if (patch.login !== undefined && patch.login.toLowerCase() !== login.toLowerCase()) {
        if (users.has(patch.login.toLowerCase())) throw new Error(`GitHub user ${patch.login} exists`);
        users.delete(login.toLowerCase());
        users.set(patch.login.toLowerCase(), user);
      }
      Object.assign(user, patch);
      return user;
    },
    authorizeAs(login) {
      approver = userByLogin(login);
    },
    denyNext(error = "access_denied") {
      denial = error;
    },
    expiringTokens(enabled) {
      expiring = enabled;
    },
    approve: followAuthorize,
    fail(endpoint, fault, times = 1) {
      for (let i = 0; i < times; i++) faults[endpoint].push(fault);
    },
    tokens() {
      return [...issued];
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
