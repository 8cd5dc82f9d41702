import * as oauth from "oauth4webapi";
import { ValidationError } from "../../../errors.js";
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
  requestOptions,
  requireStrings,
  safeImage,
  type SocialProvider,
  splitName,
  toProviderTokens,
} from "./provider.js";

export interface OidcOptions {
  /** The `:provider` of the routes (`okta`, `auth0`, `keycloak`, …). */
  id: string;
  /** The issuer; its `/.well-known/openid-configuration` is read on first use. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** `<api origin><basePath>/social/<id>/callback`, registered with the provider. */
  redirectURI: string;
  /** Default `openid email profile` (`openid` is always sent). */
  scopes?: string[];
  /** Shown to people; default the id. */
  name?: string;
}

export type OidcPresetOptions = Omit<OidcOptions, "id" | "issuer" | "name"> & { id?: string; name?: string };

/**
 * Any OpenID Connect provider, by discovery: the code flow with state, PKCE S256 and nonce, the ID token validated
 * (issuer, audience, nonce, expiry; received straight from the token endpoint over TLS, as OpenID Connect Core
 * §3.1.3.7 allows), `email_verified` taken from its claims (absent means unverified).
 * @example
 * ```ts
 * oidc({ id: "okta", issuer: "https://dev-123.okta.com", clientId, clientSecret, redirectURI: "https://api.example.com/v1/auth/social/okta/callback" })
 * ```
 * @throws ValidationError `invalid_config` for a missing field, a bad id or a non-https issuer (http: only on loopback).
 */
export function oidc(options: OidcOptions): SocialProvider {
  const id = checkProviderId(options.id, "oidc.id");
  requireStrings(id, { issuer: options.issuer, clientId: options.clientId, clientSecret: options.clientSecret, redirectURI: options.redirectURI });
  const issuer = checkProviderUrl(options.issuer, `${id}.issuer`);
  checkRedirectUri(options.redirectURI, `${id}.redirectURI`);
  const requested = checkScopes(id, options.scopes ?? ["openid", "email", "profile"]);
  const scopes = requested.includes("openid") ? requested : ["openid", ...requested];
  const clientAuth = oauth.ClientSecretPost(options.clientSecret);
  // Discovery once per process; a failed attempt is forgotten, so the next sign-in tries again.
  let discovered: Promise<oauth.AuthorizationServer> | null = null;

  function server(io: ProviderIo): Promise<oauth.AuthorizationServer> {
    discovered ??= (async () => {
      try {
        const response = await oauth.discoveryRequest(issuer.url, { algorithm: "oidc", ...requestOptions(id, io, issuer.insecure) });
        return await oauth.processDiscoveryResponse(issuer.url, response);
      } catch (error) {
        throw mapOAuthError(id, error, io.logger);
      }
    })();
    discovered.catch(() => (discovered = null));
    return discovered;
  }

  async function profileOf(io: ProviderIo, as: oauth.AuthorizationServer, client: oauth.Client, claims: oauth.IDToken, accessToken: string): Promise<ProviderProfile> {
    let source: Record<string, unknown> = claims;
    // Some providers put the address only in userinfo.
    if (typeof claims.email !== "string" && as.userinfo_endpoint) {
      const response = await oauth.userInfoRequest(as, client, accessToken, requestOptions(id, io, issuer.insecure));
      source = { ...(await oauth.processUserInfoResponse(as, client, claims.sub, response)), ...claims };
    }
    const email = typeof source.email === "string" && source.email !== "" ? source.email : null;
    return {
      accountId: claims.sub,
      email,
      emailVerified: email !== null && (source.email_verified === true || source.email_verified === "true"),
      ...splitName(source.name, source.given_name, source.family_name),
      image: safeImage(source.picture),
    };
  }

  return {
    id,
    name: options.name ?? id,
    redirectURI: options.redirectURI,
    prepare: async (io) => void (await server(io)),
    async authorizationUrl(io, secrets) {
      return authorizationRequest(await server(io), { clientId: options.clientId, redirectURI: options.redirectURI, scopes }, secrets, { nonce: secrets.nonce });
    },
    async signIn(io, callback, secrets) {
      const as = await server(io);
      // The ID token's expiry is judged by the engine's clock, like every other expiry.
      const client: oauth.Client = { client_id: options.clientId, [oauth.clockSkew]: Math.round((io.now().getTime() - Date.now()) / 1000) };
      try {
        const params = oauth.validateAuthResponse(as, client, callback, secrets.state);
        const response = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, options.redirectURI, secrets.codeVerifier, requestOptions(id, io, issuer.insecure));
        const result = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: secrets.nonce, requireIdToken: true });
        const claims = oauth.getValidatedIdTokenClaims(result);
        if (!claims) throw providerError(id, new Error("no ID token"));
        return { profile: await profileOf(io, as, client, claims, result.access_token), tokens: toProviderTokens(result, io.now()) };
      } catch (error) {
        throw mapOAuthError(id, error, io.logger);
      }
    },
  };
}

/** Google (`https://accounts.google.com`), as `oidc()`. */
export function google(options: OidcPresetOptions): SocialProvider {
  return oidc({ ...options, id: options.id ?? "google", name: options.name ?? "Google", issuer: "https://accounts.google.com" });
}

const consumersTenant = "9188040d-6c67-4c5b-b112-36a304b66dad";
const tenantId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Microsoft Entra ID (`https://login.microsoftonline.com/<tenant>/v2.0`), as `oidc()`. `tenant` is the directory's id
 * (a GUID) or `consumers` (personal Microsoft accounts): the multi-tenant `common` and `organizations` endpoints publish
 * a templated issuer that no ID token matches, so they are refused. Entra sends no `email_verified`, so its
 * addresses count as unverified and never link an existing account by email.
 * @throws ValidationError `invalid_config` for another tenant value.
 */
export function microsoft(options: OidcPresetOptions & { tenant: string }): SocialProvider {
  // Lower-cased: the issuer Microsoft publishes spells the GUID so.
  const tenant = options.tenant === "consumers" ? consumersTenant : typeof options.tenant === "string" ? options.tenant.toLowerCase() : options.tenant;
  if (typeof tenant !== "string" || !tenantId.test(tenant)) {
    throw new ValidationError("invalid_config", 'microsoft: tenant must be the directory id (a GUID) or "consumers"', { details: { field: "microsoft.tenant" } });
  }
  const { tenant: _omit, ...rest } = options;
  return oidc({ ...rest, id: options.id ?? "microsoft", name: options.name ?? "Microsoft", issuer: `https://login.microsoftonline.com/${tenant}/v2.0` });
}
