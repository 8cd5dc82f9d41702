/**
 * The `magic-link` plugin: passwordless sign-in (and, optionally, sign-up) by a single-use link mailed to the
 * address. `POST /magic-link/send {email, redirect_to?}` always answers 200 and decides after the response whether
 * to mail; `POST /magic-link/verify {token}` signs in. No tables of its own: a link is a ceremony in
 * `authsome_ceremonies`, which keeps only the token's SHA-256.
 * @module
 */
import { type AuthsomePlugin, type Duration, durationSeconds, type RequestMeta, ValidationError } from "../../plugin/index.js";
import { registerMagicLinkRoutes } from "./routes.js";
import { createMagicLinks, magicLinkEvents, magicLinkRateLimits, type MagicLinkSignIn } from "./service.js";

export interface MagicLinkOptions {
  /**
   * Whether a link may be sent to an address with no account, creating the account (email verified) when the link
   * is followed. Default true. When false, such an address gets the same 200 and no mail.
   */
  allowSignUp?: boolean;
  /** How long a link stays valid: seconds, or `"15m"`, `"1h"`, …. Default `"15m"`. */
  ttl?: Duration;
}

/** Options of `auth.api.sendMagicLink`. */
export interface SendMagicLinkOptions {
  /**
   * Where the application should send the browser after the sign-in; returned by verify. A relative path, or an
   * absolute URL on `appUrl`'s origin or a trusted origin. @see Redirects.check
   */
  redirectTo?: string;
  /** The link's base; default `config.appUrl`. Null: no safe base, nothing is sent. */
  linkBase?: string | null;
}

/** What the plugin adds to `auth.api`. */
export interface MagicLinkApi {
  /**
   * Resolves at once, the same for every address: the account is looked up, the per-recipient budget spent, and the
   * link created and mailed after the call returns (an unknown address gets a link only when `allowSignUp`).
   * @throws ValidationError `invalid_request` (a malformed email) | `invalid_redirect`; RateLimitError `rate_limited`.
   */
  sendMagicLink(email: string, meta: RequestMeta, options?: SendMagicLinkOptions): Promise<void>;
  /**
   * Follows a link, once: the session (or a second-factor gate's challenge) of its account, created when needed.
   * @throws ValidationError `invalid_token` (unknown, expired, used, another app's); ForbiddenError `user_banned`;
   *   RateLimitError `rate_limited`.
   */
  verifyMagicLink(token: string, meta: RequestMeta): Promise<MagicLinkSignIn>;
}

/**
 * Sign-in by a link in the mail. Links point at `<appUrl>/magic-link?token=…`: that page posts the token to
 * `POST /magic-link/verify` and, signed in, goes to the `redirect_to` the response carries.
 * @example
 * ```ts
 * import { magicLink } from "authsome/plugins/magic-link";
 *
 * const auth = createAuthsome({
 *   store,
 *   plugins: [password(), magicLink({ allowSignUp: true, ttl: "15m" })],
 *   config: { appUrl: "https://myapp.example.com", secret },
 * });
 * await auth.api.sendMagicLink("ada@example.com", meta, { redirectTo: "/welcome" });
 * ```
 * @throws ValidationError `invalid_config` for a `ttl` that is not a positive duration, or a non-boolean `allowSignUp`.
 */
export function magicLink(options: MagicLinkOptions = {}): AuthsomePlugin<MagicLinkApi> {
  const { allowSignUp = true, ttl = "15m" } = options;
  if (typeof allowSignUp !== "boolean") throw new ValidationError("invalid_config", "magicLink.allowSignUp must be a boolean", { details: { field: "magicLink.allowSignUp" } });
  const ttlSeconds = durationSeconds(ttl, "magicLink.ttl");
  return {
    id: "magic-link",
    events: magicLinkEvents,
    rateLimits: magicLinkRateLimits,
    setup(ctx) {
      const links = createMagicLinks(ctx, { allowSignUp, ttlSeconds });
      // A verified address is a way in while magic links are on (listed, and counted before a provider is unlinked).
      ctx.signInMethods.add({
        id: "magic-link",
        list: async (user) => (user.emailVerified && user.email ? [{ provider: "magic_link", providerAccountId: null, email: user.email, linkedAt: user.createdAt }] : []),
      });
      registerMagicLinkRoutes(ctx, links);
      return {
        async sendMagicLink(email, meta, sendOptions = {}) {
          const address = links.parseEmail(email);
          const redirectTo = sendOptions.redirectTo === undefined ? null : ctx.redirects.check(sendOptions.redirectTo);
          await links.send(address, meta, redirectTo, sendOptions.linkBase);
        },
        verifyMagicLink: (token, meta) => links.verify(token, meta),
      };
    },
  };
}

export type { MagicLinkSignIn };
