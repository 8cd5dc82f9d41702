// A real OpenID Connect provider on localhost for the social plugin's generic-OIDC tests: oauth2-mock-server 8.2.3
// (discovery, JWKS, /authorize with PKCE and nonce, /token, /userinfo), driven through its hooks so tests choose who
// signs in, deny or tamper with the next answer, and break the token endpoint.
//
// What the mock does by itself (8.2.3 source): /authorize always redirects with a code (no login, no client check),
// saving the `code_challenge` (plain or S256) and the `nonce` under the code; /token does not check the code itself,
// only the PKCE pair when a `code_verifier` is sent — a verifier for a code without a saved challenge (which is also
// what a replayed code looks like, the challenge being deleted on first use) answers 400 `invalid_request`
// "code_challenge required", before any hook runs. Client secrets are not checked by the mock: this peer checks them.
import {
  type MutableRedirectUri,
  type MutableResponse,
  type MutableToken,
  OAuth2Server,
  type TokenRequestIncomingMessage,
} from "oauth2-mock-server";
import type { IncomingMessage } from "node:http";
import { followAuthorize } from "./authorize.js";

/** Who "signs in" at the peer: these become the ID token's and userinfo's claims. */
export interface OidcClaims {
  sub: string;
  email?: string;
  email_verified?: boolean;
  given_name?: string;
  family_name?: string;
  name?: string;
  picture?: string;
}

export interface OidcPeerOptions {
  /** Alphanumeric (see the client_secret_basic note on `clientId`). Default `"oidcclient"`. */
  clientId?: string;
}

export interface OidcPeer {
  /** `http://localhost:PORT`, no trailing slash: discovery at `${issuer}/.well-known/openid-configuration`. */
  issuer: string;
  /**
   * Token requests must authenticate as this client (client_secret_post or client_secret_basic; the form-encoding
   * of Basic credentials is undone, so the ID token's `aud` is the plain id either way).
   */
  clientId: string;
  clientSecret: string;
  /** The underlying mock, for hooks a test needs beyond these. */
  server: OAuth2Server;
  /** The account that signs in at the following authorizations, until changed. Default `{ sub: "johndoe" }`. */
  signInAs(claims: OidcClaims): void;
  /** The next authorization redirects with `error` (default `access_denied`) and no code. */
  denyNext(error?: string): void;
  /** Merged into the next ID token's payload after everything else, e.g. `{ nonce: "wrong" }`, `{ exp: 0 }`, `{ aud: "other" }`. */
  tamperNext(patch: Record<string, unknown>): void;
  /** "Clicks Authorize": GETs `authorizeUrl` without following the redirect and returns its Location. @throws when it does not redirect */
  approve(authorizeUrl: string): Promise<URL>;
  /** Every access, refresh and ID token delivered. */
  tokens(): string[];
  /** The next token request that gets past the mock's PKCE check answers `status` with an OAuth error body. */
  failNext(status: number): void;
  close(): Promise<void>;
}

function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, " "));
  } catch {
    return value;
  }
}

/** Client credentials as sent: HTTP Basic (form-decoded, RFC 6749 §2.3.1) or the body. */
function clientCredentials(req: TokenRequestIncomingMessage): { id: unknown; secret: unknown } {
  const match = /^basic\s+(\S+)$/i.exec(req.headers.authorization ?? "");
  if (match?.[1]) {
    const decoded = Buffer.from(match[1], "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon >= 0) return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  }
  const body = req.body as unknown as Record<string, unknown>;
  return { id: body.client_id, secret: body.client_secret };
}

function bearer(req: IncomingMessage): string | undefined {
  return /^bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1];
}

/** Starts the provider on localhost at a random port, with a fresh RS256 signing key. */
export async function startOidcPeer(options: OidcPeerOptions = {}): Promise<OidcPeer> {
  const clientId = options.clientId ?? "oidcclient";
  const clientSecret = "peer-secret";
  const server = new OAuth2Server();
  await server.issuer.keys.generate("RS256");
  await server.start(0, "localhost");
  const issuer = server.issuer.url;
  if (issuer === undefined) throw new Error("oauth2-mock-server did not set its issuer URL");

  let current: OidcClaims = { sub: "johndoe" };
  let denial: string | undefined;
  let tamper: Record<string, unknown> | undefined;
  let failure: number | undefined;
  const issued: string[] = [];
  /** Who signed in, by authorization code, refresh token and access token. */
  const byCode = new Map<string, OidcClaims>();
  const byRefreshToken = new Map<string, OidcClaims>();
  const byAccessToken = new Map<string, OidcClaims>();

  function claimsFor(req: TokenRequestIncomingMessage): OidcClaims {
    const body = req.body as unknown as Record<string, unknown>;
    const fromCode = typeof body.code === "string" ? byCode.get(body.code) : undefined;
    const fromRefresh = typeof body.refresh_token === "string" ? byRefreshToken.get(body.refresh_token) : undefined;
    return fromCode ?? fromRefresh ?? current;
  }

  server.service.on("beforeAuthorizeRedirect", ({ url }: MutableRedirectUri) => {
    const code = url.searchParams.get("code");
    if (denial !== undefined) {
      url.searchParams.delete("code");
      url.searchParams.set("error", denial);
      url.searchParams.set("error_description", "The resource owner denied the request.");
      denial = undefined;
      return;
    }
    if (code !== null) byCode.set(code, { ...current });
  });

  server.service.on("beforeTokenSigning", (token: MutableToken, req: TokenRequestIncomingMessage) => {
    const claims = claimsFor(req);
    const payload = token.payload;
    payload.sub = claims.sub;
    // The ID token is the one without `scope` (the mock gives every access token a scope, and the ID token `aud`).
    if ("scope" in payload) return;
    if (typeof payload.aud === "string") payload.aud = formDecode(payload.aud);
    Object.assign(payload, claims);
    if (tamper) {
      Object.assign(payload, tamper);
      tamper = undefined;
    }
  });

  server.service.on("beforeResponse", (res: MutableResponse, req: TokenRequestIncomingMessage) => {
    if (failure !== undefined) {
      res.statusCode = failure;
      res.body = { error: failure >= 500 ? "server_error" : "invalid_request", error_description: "injected failure" };
      failure = undefined;
      return;
    }
    const { id, secret } = clientCredentials(req);
    if (id !== clientId || secret !== clientSecret) {
      res.statusCode = 401;
      res.body = { error: "invalid_client", error_description: "client authentication failed" };
      return;
    }
    const body = res.body;
    if (body === "") return;
    const claims = claimsFor(req);
    const code = (req.body as unknown as Record<string, unknown>).code;
    if (typeof code === "string") byCode.delete(code);
    for (const field of ["access_token", "refresh_token", "id_token"]) {
      const value = body[field];
      if (typeof value === "string") issued.push(value);
    }
    if (typeof body.access_token === "string") byAccessToken.set(body.access_token, claims);
    if (typeof body.refresh_token === "string") byRefreshToken.set(body.refresh_token, claims);
  });

  server.service.on("beforeUserinfo", (res: MutableResponse, req: IncomingMessage) => {
    const token = bearer(req);
    const claims = token === undefined ? undefined : byAccessToken.get(token);
    if (!claims) {
      res.statusCode = 401;
      res.body = { error: "invalid_token", error_description: "unknown access token" };
      return;
    }
    res.body = { ...claims };
  });

  return {
    issuer,
    clientId,
    clientSecret,
    server,
    signInAs(claims) {
      current = { ...claims };
    },
    denyNext(error = "access_denied") {
      denial = error;
    },
    tamperNext(patch) {
      tamper = { ...patch };
    },
    approve: followAuthorize,
    tokens() {
      return [...issued];
    },
    failNext(status) {
      failure = status;
    },
    async close() {
      if (server.listening) await server.stop();
    },
  };
}
