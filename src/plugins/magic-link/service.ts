import {
  EmailSchema,
  type EngineContext,
  invalidRequest,
  isAuthsomeError,
  normalizeIdentifier,
  type RequestMeta,
  type SignInResult,
  type User,
  ValidationError,
} from "../../plugin/index.js";
import { magicLinkMail } from "./mail.js";

/** The ceremony kind (and the mail's outbox type, the session's method, the sign-up's method). */
export const magicLinkKind = "magic_link";

/** The events the plugin declares. */
export const magicLinkEvents = ["magic_link.sent"] as const;

/** Its per-IP limits and their defaults (requests per `config.rateLimits.window`). */
export const magicLinkRateLimits = { magicLinkSend: 10, magicLinkVerify: 30 } as const;

/** A verified magic link: the sign-in (a session, or a second-factor gate's challenge) and what the link carried. */
export interface MagicLinkSignIn {
  result: SignInResult;
  /** Whether this very verify created the account. */
  isNewUser: boolean;
  /** The `redirect_to` the link was asked with (as given, already checked), or null. */
  redirectTo: string | null;
}

/** What the ceremony holds; the token itself is stored only as its SHA-256. */
type Pending = { email: string; redirectTo: string | null };

export interface MagicLinkSettings {
  allowSignUp: boolean;
  ttlSeconds: number;
}

const invalidToken = () =>
  new ValidationError("invalid_token", "The sign-in link is invalid, expired or already used", { details: { fields: { token: "is invalid, expired or already used" } } });

/** The plugin's decisions: sending a link (decided after the response) and verifying one. */
export function createMagicLinks(ctx: EngineContext, settings: MagicLinkSettings) {
  const { allowSignUp, ttlSeconds } = settings;
  const findUser = (email: string): Promise<User | null> => ctx.store.users.findByEmail(ctx.scope(), email);

  return {
    /**
     * Counts the client's request, then queues everything else after the response: the same statements for every
     * address. `redirectTo` must already be checked; `linkBase` undefined means `config.appUrl`, null means nowhere
     * safe (nothing is sent).
     */
    async send(email: string, meta: RequestMeta, redirectTo: string | null, linkBase: string | null | undefined): Promise<void> {
      await ctx.protection.limit("magicLinkSend", meta);
      const address = normalizeIdentifier(email);
      const base = linkBase === undefined ? ctx.config.appUrl : linkBase;
      ctx.outbox.later(magicLinkKind, async () => {
        const user = await findUser(address);
        if (!user && !allowSignUp) return;
        if (base === null) return ctx.logger.warn("mail not sent: no appUrl, and the request's origin is neither loopback nor trusted", { type: magicLinkKind });
        const to = user?.email ?? address;
        // Past the recipient's budget nothing is made: no token, no mail.
        if (!(await ctx.outbox.allowRecipient(to))) return;
        const pending: Pending = { email: address, redirectTo };
        const token = await ctx.ceremonies.begin(magicLinkKind, pending, ttlSeconds, { prefix: "ml_" });
        ctx.outbox.send(magicLinkMail(to, base, token, ttlSeconds), { userId: user?.id ?? null, type: magicLinkKind });
        await ctx.events.emit("magic_link.sent", { userId: user?.id ?? null, meta });
      });
    },

    /**
     * Consumes the link (once, atomically), finds the account — or creates it, verified, when sign-up is allowed —
     * and completes the sign-in through `ctx.signIns.complete`; the mailbox is proven, so the email is verified.
     * @throws ValidationError `invalid_token`; ForbiddenError `user_banned` or a gate's challenge code (via
     *   `sendSignIn`); whatever a `signUp.before` / `signIn.before` hook throws.
     */
    async verify(token: string, meta: RequestMeta): Promise<MagicLinkSignIn> {
      await ctx.protection.limit("magicLinkVerify", meta);
      const open = await ctx.ceremonies.consume<Pending>(magicLinkKind, token); // another app's link is unknown here
      if (!open) throw invalidToken();
      const { email, redirectTo } = open.payload;
      let user = await findUser(email);
      let isNewUser = false;
      if (!user) {
        if (!allowSignUp) throw invalidToken(); // the account was deleted since the link was sent
        try {
          user = await ctx.signIns.signUp({ email, emailVerified: true, firstName: "", lastName: "" }, meta, { method: magicLinkKind });
          isNewUser = true;
        } catch (err) {
          // Another link for the same new address won the race: sign in to the account it created.
          if (!isAuthsomeError(err) || err.code !== "email_taken") throw err;
          user = await findUser(email);
          if (!user) throw err;
        }
      }
      // The link reached this mailbox: that proves the address — recorded once the sign-in got past the ban check.
      const result = await ctx.signIns.complete({ ...user, emailVerified: true }, meta, { method: magicLinkKind });
      if (!user.emailVerified) {
        const verified = await ctx.store.users.update(ctx.scope(), user.id, { emailVerified: true }, ctx.now());
        await ctx.events.emit("user.email_verified", { userId: user.id, meta, metadata: { method: magicLinkKind } });
        await ctx.hooks.after("emailVerified.after", { user: verified, meta }, ctx.store);
      }
      return { result, isNewUser, redirectTo };
    },

    /** For in-process callers: the address as the route's schema would take it. @throws ValidationError `invalid_request` */
    parseEmail(email: string): string {
      const parsed = EmailSchema.safeParse(email);
      if (!parsed.success) throw invalidRequest({ email: "is not a valid email address" });
      return parsed.data;
    },
  };
}

export type MagicLinks = ReturnType<typeof createMagicLinks>;
