/**
 * The `social` plugin: sign-in with GitHub (and GitHub Enterprise Server) and any OpenID Connect provider (Google and
 * Microsoft presets), on `oauth4webapi`, with state, PKCE S256 and — for OpenID Connect — nonce, always. It links a
 * provider account to an existing user only when both the provider and the local account verified the address,
 * lets signed-in users link and unlink providers (never their last way in), and keeps provider tokens sealed.
 * @module
 */
import { type AuthsomePlugin, builtInMigrationGroup, invalidRequest, type MigrationGroup, type RequestMeta, type SignInMethod, ValidationError } from "../../plugin/index.js";
import type { SocialProvider } from "./providers/provider.js";
import { registerSocialRoutes } from "./routes.js";
import {
  type AuthorizationOptions,
  type CallbackOptions,
  createSocialService,
  type ProviderToken,
  reservedProviderIds,
  type SocialCallbackResult,
  socialEvents,
  socialRateLimits,
  type SocialService,
} from "./service.js";
import { socialStore } from "./store.js";

/** The `social` migration group: pass it to `migrate(db, [socialMigrations])` (or the CLI's `--plugins social`). */
export const socialMigrations: MigrationGroup = builtInMigrationGroup("social");

export interface SocialPluginOptions {
  /** `github(…)`, `oidc(…)`, `google(…)`, `microsoft(…)`; ids must be unique. */
  providers: SocialProvider[];
  /** How long one call to a provider may take before the flow answers 502 `provider_unavailable`. Default 10 000 ms. */
  timeoutMs?: number;
}

/** What the plugin adds to `auth.api`. */
export interface SocialApi {
  /**
   * Starts a flow: the provider's authorization URL and its state. `binding` is a secret (16+ characters) you keep in
   * the user's browser — a cookie of your own — and pass to `socialCallback` again: the state works only with it, so
   * an attacker's callback URL does nothing in someone else's browser (the HTTP routes do the same with the
   * `authsome_oauth` cookie; a flow started here is completed with `socialCallback`, not the HTTP callback).
   * `redirectTo` is checked against `appUrl` and the trusted origins; `linkUserId` makes the callback link the
   * account to that user.
   * @throws ValidationError `invalid_request` without a binding; `invalid_redirect`; NotFoundError for an unknown provider.
   */
  socialAuthorizationUrl(provider: string, options: AuthorizationOptions & { binding: string }): Promise<{ authUrl: string; state: string }>;
  /** The provider's callback (its query parameters): a sign-in, a challenge, or a link. */
  socialCallback(provider: string, params: URLSearchParams | Record<string, string>, meta: RequestMeta, options?: CallbackOptions): Promise<SocialCallbackResult>;
  /** The user's sign-in methods: `password` when they have one, and each linked provider account. */
  listAccounts(userId: string): Promise<SignInMethod[]>;
  /** @throws NotFoundError `not_found`; ConflictError `last_sign_in_method`. */
  unlinkAccount(userId: string, provider: string, meta: RequestMeta): Promise<void>;
  /** The provider's access (and refresh) token for the user, for calls to the provider's API on their behalf. */
  getProviderToken(userId: string, provider: string): Promise<ProviderToken | null>;
}

/**
 * @example
 * ```ts
 * const auth = createAuthsome({
 *   store,
 *   plugins: [
 *     password(),
 *     social({ providers: [github({ clientId, clientSecret, redirectURI: "https://myapp.example.com/v1/auth/social/github/callback" })] }),
 *   ],
 *   config: { appUrl: "https://myapp.example.com", basePath: "/v1/auth", secret: process.env.AUTHSOME_SECRET! },
 * });
 * ```
 * @throws ValidationError `invalid_config` for no providers, a duplicate provider id or a bad timeout.
 */
export function social(options: SocialPluginOptions): AuthsomePlugin<SocialApi> {
  const providers = new Map<string, SocialProvider>();
  for (const provider of options?.providers ?? []) {
    if (reservedProviderIds.has(provider.id)) throw new ValidationError("invalid_config", `social: "${provider.id}" names another way in; give the provider another id`, { details: { field: "social.providers" } });
    if (providers.has(provider.id)) throw new ValidationError("invalid_config", `social: provider "${provider.id}" is configured twice`, { details: { field: "social.providers" } });
    providers.set(provider.id, provider);
  }
  if (providers.size === 0) throw new ValidationError("invalid_config", "social: providers must list at least one provider", { details: { field: "social.providers" } });
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 120_000) {
    throw new ValidationError("invalid_config", "social: timeoutMs must be a whole number of milliseconds between 1 and 120000", { details: { field: "social.timeoutMs" } });
  }
  return {
    id: "social",
    migrations: socialMigrations,
    events: socialEvents,
    rateLimits: socialRateLimits,
    hooks: {
      // A deleted account keeps no provider link or token.
      "deleteUser.before": async ({ user }, repos) => void (await socialStore(repos).deleteAllByUser(user.id)),
    },
    setup(ctx) {
      const social: SocialService = createSocialService(ctx, providers, timeoutMs);
      // Someone proved the mailbox: links made on that address without their provider vouching for it go (else a
      // provider account made with someone else's address would sign in to the account its owner now uses).
      // Registered here, with this engine's service: one plugin object may serve several engines.
      ctx.hooks.on("emailVerified.after", async ({ user, meta }) => void (await social.retireUnprovenLinks(user, meta)));
      ctx.hooks.on("passwordReset.after", async ({ user, meta }) => void (await social.retireUnprovenLinks(user, meta)));
      ctx.signInMethods.add({ id: "social", list: (user, repos) => social.methodsOf(user, repos) });
      registerSocialRoutes(ctx, social);
      return {
        async socialAuthorizationUrl(provider, opts) {
          if (typeof opts?.binding !== "string" || opts.binding.length < 16) throw invalidRequest({ binding: "is required: a secret of 16+ characters kept in the user's browser" });
          return social.authorizationUrl(provider, { ...opts, redirectChecked: false });
        },
        socialCallback: (provider, params, meta, opts) => social.callback(provider, params instanceof URLSearchParams ? params : new URLSearchParams(params), meta, opts),
        listAccounts: social.listAccounts,
        unlinkAccount: social.unlinkAccount,
        getProviderToken: social.getProviderToken,
      };
    },
  };
}

export { github, type GitHubOptions } from "./providers/github.js";
export { google, microsoft, oidc, type OidcOptions, type OidcPresetOptions } from "./providers/oidc.js";
export type { ProviderProfile, ProviderTokens, SocialProvider } from "./providers/provider.js";
export type { AuthorizationOptions, CallbackOptions, ProviderToken, SocialCallbackResult };
