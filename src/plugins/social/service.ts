import * as oauth from "oauth4webapi";
import { typeid } from "typeid-js";
import {
  ConflictError,
  EmailSchema,
  ForbiddenError,
  hashToken,
  isAuthsomeError,
  NotFoundError,
  type PluginContext,
  type RequestMeta,
  type SignInMethod,
  type SignInResult,
  type StoreRepositories,
  type User,
  ValidationError,
  invalidRequest,
} from "../../plugin/index.js";
import type { ProviderIo, ProviderProfile, ProviderTokens, SocialProvider } from "./providers/provider.js";
import { type OAuthAccount, type SealedTokens, socialStore } from "./store.js";

/** How long a started flow may take to come back (the provider's code itself lives 10 minutes at GitHub). */
export const stateTtlSeconds = 10 * 60;
const table = "authsome_oauth_accounts";

/** The events the plugin emits (declared with the engine). */
export const socialEvents = ["social.account_linked", "social.account_unlinked"] as const;
/** Its per-IP limits and their defaults. */
export const socialRateLimits = { socialStart: 30, socialCallback: 30 } as const;

export interface AuthorizationOptions {
  /** Where the browser goes afterwards (checked: a relative path or a URL on a trusted origin). */
  redirectTo?: string;
  /** Link the provider account to this signed-in user instead of signing in. */
  linkUserId?: string;
  /** A secret the callback must present again (the browser-binding cookie); the state then works only with it. */
  binding?: string;
}

export interface CallbackOptions {
  /** The browser-binding secret the callback request carried. */
  binding?: string;
}

/** A completed callback: a sign-in (or a second factor's challenge), or a link added to a signed-in account. */
export type SocialCallbackResult =
  | { kind: "signed_in"; provider: string; result: SignInResult; isNewUser: boolean; redirectTo: string | null }
  | { kind: "linked"; provider: string; account: SignInMethod; redirectTo: string | null };

/** The provider's tokens for a user, opened (`auth.api.getProviderToken`). */
export interface ProviderToken {
  accessToken: string;
  refreshToken: string | null;
  expiresAt: Date | null;
  scope: string;
}

interface StatePayload extends Record<string, unknown> {
  redirectTo: string | null;
  linkUserId: string | null;
  /** SHA-256 of the browser-binding secret, when the flow was started by a browser. */
  binding: string | null;
  /** The PKCE verifier and the nonce, sealed: the store keeps no flow secret in the clear. */
  secrets: string;
}

const invalidState = () =>
  new ValidationError("invalid_state", "The sign-in state is invalid, expired or already used; start again", { details: { fields: { state: "is invalid, expired or used" } } });

/**
 * A callback's end as the route needs it: the outcome, or the error — with where the flow wanted the browser to go
 * once its state proved it (`flow` is null when the state did not).
 */
export type SettledCallback = { ok: true; outcome: SocialCallbackResult } | { ok: false; error: unknown; flow: { redirectTo: string | null } | null };

/** Ids the plugin's providers may not take: they name other ways in, in the same list. */
export const reservedProviderIds = new Set(["password", "magic_link", "passkey"]);

/** The social plugin's decisions: starting a flow, the callback's account resolution, links and provider tokens. */
export function createSocialService(ctx: PluginContext, providers: ReadonlyMap<string, SocialProvider>, timeoutMs: number) {
  const io: ProviderIo = { fetch: ctx.fetch, timeoutMs, now: ctx.now, logger: ctx.logger };
  const kindOf = (provider: SocialProvider) => `social:${provider.id}`;
  const secretsContext = (provider: SocialProvider) => ({ table: "authsome_ceremonies", column: "payload", rowId: kindOf(provider) });
  const tokenContext = (rowId: string, column: "access_token_sealed" | "refresh_token_sealed") => ({ table, column, rowId });

  function providerOf(id: string): SocialProvider {
    const provider = providers.get(id);
    if (!provider) throw new NotFoundError("not_found", `No sign-in provider "${id}" is configured`);
    return provider;
  }

  /** The tokens sealed for row `rowId`; without a new refresh token (most providers send one on first consent only), none is set. */
  function seal(rowId: string, tokens: ProviderTokens): SealedTokens {
    return {
      accessTokenSealed: ctx.sealer.seal(tokens.accessToken, tokenContext(rowId, "access_token_sealed")),
      ...(tokens.refreshToken === null ? {} : { refreshTokenSealed: ctx.sealer.seal(tokens.refreshToken, tokenContext(rowId, "refresh_token_sealed")) }),
      tokenExpiresAt: tokens.expiresAt,
      scope: tokens.scope,
    };
  }

  /** New tokens and the address the provider reports now on an existing link; a refresh token kept unless replaced. */
  const refreshLink = (account: OAuthAccount, profile: ProviderProfile, tokens: ProviderTokens) =>
    socialStore(ctx.store).refresh(account.id, { ...seal(account.id, tokens), email: profile.email ?? account.email }, ctx.now());

  async function linkAccount(repos: StoreRepositories, user: User, provider: SocialProvider, profile: ProviderProfile, tokens: ProviderTokens, meta: RequestMeta, via: string): Promise<OAuthAccount> {
    const id = typeid("aoau").toString();
    const account = await socialStore(repos).link({
      id,
      ...ctx.scope(),
      userId: user.id,
      provider: provider.id,
      providerAccountId: profile.accountId,
      email: profile.email ?? "",
      ...seal(id, tokens),
      // Whether the provider vouched for the address: a link that did not is retired once someone proves the mailbox.
      metadata: { emailVerified: profile.emailVerified },
      createdAt: ctx.now(),
    });
    await ctx.events.emit("social.account_linked", { userId: user.id, meta, metadata: { provider: provider.id, via } }, repos);
    if (via !== "sign_up") notifyLinked(user, provider);
    return account;
  }

  /**
   * Tells the owner, after the response, that a provider account was linked to theirs: a new way in that outlives a
   * password change, so someone holding a stolen session should not add one unseen.
   */
  function notifyLinked(user: User, provider: SocialProvider): void {
    ctx.outbox.notify(user, "social_linked", () => ({
      to: user.email,
      subject: `${provider.name} was linked to your account`,
      text: `A ${provider.name} account was linked to your account (${user.email}): you can now sign in with ${provider.name}.\n\nIf this was not you, sign in, unlink ${provider.name} from your account and change your password.\n`,
    }));
  }

  const toMethod = (account: OAuthAccount): SignInMethod => ({ provider: account.provider, providerAccountId: account.providerAccountId, email: account.email, linkedAt: account.createdAt });

  /** The address to go by: the provider's, when it is one the API accepts at all. */
  function emailOf(profile: ProviderProfile): string | null {
    if (profile.email === null) return null;
    const parsed = EmailSchema.safeParse(profile.email);
    return parsed.success ? parsed.data.toLowerCase() : null;
  }

  /**
   * Account resolution: a linked provider account → its user; else a live user with the same address, linked only
   * when the provider and the local account both verified it; else a new user.
   */
  async function resolve(provider: SocialProvider, profile: ProviderProfile, tokens: ProviderTokens, meta: RequestMeta, raced = false): Promise<{ user: User; isNewUser: boolean }> {
    // After losing a race to a concurrent callback, resolve once more: its link or user is there now.
    const again = (error: unknown) => {
      if (raced) throw error;
      return resolve(provider, profile, tokens, meta, true);
    };
    const scope = ctx.scope();
    const linked = await socialStore(ctx.store).findLinked(scope, provider.id, profile.accountId);
    const email = emailOf(profile);
    if (linked) {
      // The link decides, whatever address the provider reports now; the tokens and that address are refreshed.
      await refreshLink(linked.account, profile, tokens);
      if (!linked.user.emailVerified && profile.emailVerified && email === linked.user.email) {
        // The provider has verified the account's own address since: so is it here.
        const user = await ctx.store.users.update(scope, linked.user.id, { emailVerified: true }, ctx.now());
        await ctx.events.emit("user.email_verified", { userId: user.id, meta, metadata: { method: `social:${provider.id}` } });
        return { user, isNewUser: false };
      }
      return { user: linked.user, isNewUser: false };
    }
    if (email === null) {
      throw new ValidationError("email_required", `${provider.name} did not share an email address; make one visible to this app and try again`);
    }
    const local = await ctx.store.users.findByEmail(scope, email);
    if (local) {
      if (!profile.emailVerified || !local.emailVerified) throw accountExists(provider);
      try {
        await linkAccount(ctx.store, local, provider, profile, tokens, meta, "verified_email");
      } catch (error) {
        // A concurrent callback linked this account first (PostgreSQL may report either unique index): resolve again,
        // and find its link. Still refused after that, the user holds another account of this provider.
        if (isAuthsomeError(error) && (error.code === "account_linked_elsewhere" || error.code === "provider_already_linked")) {
          if (!raced) return again(error);
          if (error.code === "provider_already_linked") throw accountExists(provider);
        }
        throw error;
      }
      return { user: local, isNewUser: false };
    }
    if (ctx.config.requireEmailVerification && !profile.emailVerified) {
      // An account nobody could sign in to would only squat the address: none is made.
      throw new ForbiddenError("email_not_verified", `Verify your email address at ${provider.name} first, then sign in again`);
    }
    try {
      const user = await ctx.signIns.signUp(
        { email, emailVerified: profile.emailVerified, firstName: profile.firstName, lastName: profile.lastName, image: profile.image },
        meta,
        { method: `social:${provider.id}`, within: (tx, created) => linkAccount(tx, created, provider, profile, tokens, meta, "sign_up").then(() => undefined) },
      );
      return { user, isNewUser: true };
    } catch (error) {
      // A concurrent first sign-in of the same account (or address) created the user first: resolve again.
      if (isAuthsomeError(error) && (error.code === "email_taken" || error.code === "account_linked_elsewhere")) return again(error);
      throw error;
    }
  }

  function accountExists(provider: SocialProvider): ConflictError {
    return new ConflictError("account_exists", `An account with this email already exists: sign in with your password, then link ${provider.name} from your account`, {
      details: { provider: provider.id },
    });
  }

  async function link(userId: string, provider: SocialProvider, profile: ProviderProfile, tokens: ProviderTokens, meta: RequestMeta): Promise<OAuthAccount> {
    const user = await ctx.store.users.findById(ctx.scope(), userId);
    if (!user) throw invalidState(); // the account went away while the flow was out
    const existing = await socialStore(ctx.store).findLinked(ctx.scope(), provider.id, profile.accountId);
    if (existing && existing.user.id !== user.id) throw linkedElsewhere(provider);
    if (existing) {
      await refreshLink(existing.account, profile, tokens);
      return existing.account;
    }
    try {
      return await linkAccount(ctx.store, user, provider, profile, tokens, meta, "link");
    } catch (error) {
      if (isAuthsomeError(error) && error.code === "account_linked_elsewhere") throw linkedElsewhere(provider);
      throw error;
    }
  }

  const linkedElsewhere = (provider: SocialProvider) =>
    new ConflictError("account_linked_elsewhere", `This ${provider.name} account is already linked to another user`, { details: { provider: provider.id } });

  /** The flow's PKCE verifier and nonce; a state sealed under a secret this instance does not hold is as good as none. */
  function openSecrets(provider: SocialProvider, flow: StatePayload): { codeVerifier: string; nonce: string } {
    try {
      return JSON.parse(ctx.sealer.open(flow.secrets, secretsContext(provider))) as { codeVerifier: string; nonce: string };
    } catch (error) {
      if (isAuthsomeError(error) && error.code === "unseal_failed") {
        ctx.logger.warn("oauth state sealed under a secret this instance does not hold (config.secret differs between instances?)", { provider: provider.id });
        throw invalidState();
      }
      throw error;
    }
  }

  async function settle(providerId: string, params: URLSearchParams, meta: RequestMeta, options: CallbackOptions): Promise<SettledCallback> {
    let flow: StatePayload;
    let provider: SocialProvider;
    let state: string;
    try {
      provider = providerOf(providerId);
      state = params.get("state") ?? "";
      if (!state || state.length > 512) throw invalidState();
      const open = await ctx.ceremonies.consume<StatePayload>(kindOf(provider), state);
      if (!open) throw invalidState();
      flow = open.payload;
      if (flow.binding !== null && (!options.binding || hashToken(options.binding) !== flow.binding)) throw invalidState();
    } catch (error) {
      return { ok: false, error, flow: null };
    }
    try {
      const refusal = params.get("error");
      if (refusal !== null) {
        ctx.logger.info("oauth authorization refused", { provider: provider.id, error: refusal.slice(0, 64) });
        throw new ValidationError("oauth_denied", `${provider.name} sign-in was cancelled or refused`, { details: { provider: provider.id } });
      }
      if (!params.get("code")) throw invalidRequest({ code: "is required" }, "The callback carries no authorization code");
      const secrets = openSecrets(provider, flow);
      const { profile, tokens } = await provider.signIn(io, params, { state, ...secrets });
      if (flow.linkUserId !== null) {
        const account = await link(flow.linkUserId, provider, profile, tokens, meta);
        return { ok: true, outcome: { kind: "linked", provider: provider.id, account: toMethod(account), redirectTo: flow.redirectTo } };
      }
      const { user, isNewUser } = await resolve(provider, profile, tokens, meta);
      const result = await ctx.signIns.complete(user, meta, { method: `social:${provider.id}` });
      return { ok: true, outcome: { kind: "signed_in", provider: provider.id, result, isNewUser, redirectTo: flow.redirectTo } };
    } catch (error) {
      return { ok: false, error, flow: { redirectTo: flow.redirectTo } };
    }
  }

  return {
    /**
     * Starts a flow: the state (random; stored hashed with the sealed PKCE verifier and nonce, the app, environment,
     * `redirectTo` and linking user, for 10 minutes) and the provider's authorization URL.
     * @throws NotFoundError for an unknown provider; ValidationError `invalid_redirect`; UpstreamError when discovery fails.
     */
    async authorizationUrl(providerId: string, options: AuthorizationOptions & { redirectChecked?: boolean } = {}): Promise<{ authUrl: string; state: string }> {
      const provider = providerOf(providerId);
      const redirectTo = options.redirectTo === undefined ? null : options.redirectChecked ? options.redirectTo : ctx.redirects.check(options.redirectTo);
      await provider.prepare(io); // discovery first: a provider that cannot be reached leaves no state behind
      const codeVerifier = oauth.generateRandomCodeVerifier();
      const nonce = oauth.generateRandomNonce();
      const payload: StatePayload = {
        redirectTo,
        linkUserId: options.linkUserId ?? null,
        binding: options.binding ? hashToken(options.binding) : null,
        secrets: ctx.sealer.seal(JSON.stringify({ codeVerifier, nonce }), secretsContext(provider)),
      };
      const state = await ctx.ceremonies.begin(kindOf(provider), payload, stateTtlSeconds, { prefix: "os_" });
      const url = await provider.authorizationUrl(io, { state, codeVerifier, nonce });
      return { authUrl: url.href, state };
    },

    /**
     * The provider's callback: the state consumed (single use; of this provider, app and environment; with the
     * browser binding it was started with), the code redeemed, and the account resolved or linked.
     * @throws ValidationError `invalid_state` | `invalid_request` (no code) | `oauth_denied` | `invalid_oauth_code` |
     *   `invalid_id_token` | `email_required`; ConflictError `account_exists` | `account_linked_elsewhere` |
     *   `provider_already_linked`; UpstreamError `provider_unavailable` | `provider_error`; ForbiddenError as
     *   `signIns.complete`.
     */
    async callback(providerId: string, params: URLSearchParams, meta: RequestMeta, options: CallbackOptions = {}): Promise<SocialCallbackResult> {
      const settled = await settle(providerId, params, meta, options);
      if (!settled.ok) throw settled.error;
      return settled.outcome;
    },

    /** `callback`, settled: the route redirects a browser to the flow's target on an error once the state proved the flow. */
    settle: (providerId: string, params: URLSearchParams, meta: RequestMeta, options: CallbackOptions = {}) => settle(providerId, params, meta, options),

    /** Every way the user signs in (`password` when they have one, each linked provider account), oldest first. */
    async listAccounts(userId: string): Promise<SignInMethod[]> {
      const user = await ctx.store.users.findById(ctx.scope(), userId);
      if (!user) throw new NotFoundError("not_found", "No such user");
      return ctx.signInMethods.list(user);
    },

    /**
     * Unlinks the user's account of `provider` — never the last way in, counted under a lock on the user
     * (`signInMethods.removing`), so two concurrent removals cannot leave none. A link of a provider no longer
     * configured counts as no way in, and can always go.
     * @throws NotFoundError `not_found` (no such link); ConflictError `last_sign_in_method`.
     */
    async unlinkAccount(userId: string, providerId: string, meta: RequestMeta): Promise<void> {
      await ctx.signInMethods.removing(userId, async (tx, user, methods) => {
        if (!(await socialStore(tx).findByUser(user.id, providerId)) || reservedProviderIds.has(providerId)) throw new NotFoundError("not_found", `No ${providerId} account is linked`);
        const remaining = methods.filter((m) => m.provider !== providerId);
        if (providers.has(providerId) && remaining.length === 0) {
          throw new ConflictError("last_sign_in_method", "This is the account's last way to sign in: set a password or link another account first");
        }
        await socialStore(tx).unlink(user.id, providerId);
        await ctx.events.emit("social.account_unlinked", { userId: user.id, meta, metadata: { provider: providerId } }, tx);
      });
    },

    /**
     * Someone proved the user's mailbox (a verification link or code, a magic link, a reset): the links made on an
     * address their provider never verified are retired — whoever made them had not shown they own it.
     */
    async retireUnprovenLinks(user: User, meta: RequestMeta): Promise<number> {
      const gone = await socialStore(ctx.store).unlinkUnverified(user.id, user.email);
      for (const provider of gone) await ctx.events.emit("social.account_unlinked", { userId: user.id, meta, metadata: { provider, reason: "email_proven" } });
      return gone.length;
    },

    /** The provider's tokens for the user, opened; null when the user has no such link. */
    async getProviderToken(userId: string, providerId: string): Promise<ProviderToken | null> {
      const user = await ctx.store.users.findById(ctx.scope(), userId);
      const account = user ? await socialStore(ctx.store).findByUser(user.id, providerId) : null;
      if (!account || account.accessTokenSealed === null) return null;
      return {
        accessToken: ctx.sealer.open(account.accessTokenSealed, tokenContext(account.id, "access_token_sealed")),
        refreshToken: account.refreshTokenSealed === null ? null : ctx.sealer.open(account.refreshTokenSealed, tokenContext(account.id, "refresh_token_sealed")),
        expiresAt: account.tokenExpiresAt,
        scope: account.scope,
      };
    },

    /** The sign-in method source: the user's linked accounts. */
    async methodsOf(user: User, repos: StoreRepositories): Promise<SignInMethod[]> {
      // A provider no longer configured is no way in (its link is still listed by the store, and can be unlinked).
      return (await socialStore(repos).listAllByUser(user.id)).filter((a) => providers.has(a.provider)).map(toMethod);
    },
  };
}

export type SocialService = ReturnType<typeof createSocialService>;
