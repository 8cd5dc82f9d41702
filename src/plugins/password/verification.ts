import { type EngineContext, generateNumericCode, generateToken, hashToken, type RequestMeta, type StoreRepositories, type User } from "../../plugin/index.js";
import { invalidCode, invalidToken, tooManyCodes } from "./errors.js";
import { type MailLinks, verificationMail } from "./mail.js";

export const verificationCodeTtlSeconds = 15 * 60;
export const verificationMaxAttempts = 5;

/** The purpose under which email verification codes are keyed (see `CodeHasher`). */
export const emailCodePurpose = "email-code";

/** Email verification: a link token and a 6-digit code per mail, by link, by code, and resent on request. */
export function createEmailVerification(ctx: EngineContext, links: MailLinks) {
  const { store, now, protection, outbox } = ctx;

  async function createVerification(repos: StoreRepositories, user: User) {
    const token = generateToken("ev_", ctx.random);
    const code = generateNumericCode(6, ctx.random);
    await repos.verifications.create({
      appId: user.appId,
      envId: user.envId,
      userId: user.id,
      type: "email",
      tokenHash: hashToken(token),
      // Keyed: a 6-digit code hashed without a secret falls to brute force from the row alone.
      codeHash: ctx.codes.hash(emailCodePurpose, user.id, code),
      createdAt: now(),
      expiresAt: new Date(now().getTime() + verificationCodeTtlSeconds * 1000),
    });
    return { token, code };
  }

  async function markVerified(user: User, meta: RequestMeta): Promise<void> {
    const verified = await store.users.update({ appId: user.appId, envId: user.envId }, user.id, { emailVerified: true }, now());
    await ctx.events.emit("user.email_verified", { userId: user.id, meta });
    await ctx.hooks.after("emailVerified.after", { user: verified, meta }, store);
  }

  /** Mails a verification created with `create` (after the response, within the recipient's limit). */
  function sendVerification(user: User, fresh: { token: string; code: string }, linkBase: string | null): void {
    outbox.later("verify_email", async () => {
      if (linkBase === null) return links.refuse("verify_email");
      if (!(await outbox.allowRecipient(user.email))) return;
      outbox.send(verificationMail(user.email, linkBase, fresh.token, fresh.code), { userId: user.id, type: "verify_email" });
    });
  }

  /** An answer that does not tell a real address from one without a pending code (see `verifyEmailCode`). */
  async function refuseCode(tenant: { appId: string; envId: string }, email: string | null): Promise<never> {
    if (email !== null && (await protection.countCodeAttempt(tenant, email, verificationCodeTtlSeconds)) >= verificationMaxAttempts) throw tooManyCodes();
    throw invalidCode();
  }

  return {
    /** A new verification of `user`'s address on `repos` (a transaction's, to join it); mail it with `send`. */
    create: createVerification,
    send: sendVerification,

    /** Verifies with the link token. @throws ValidationError `invalid_token` */
    async verifyEmailToken(token: string, meta: RequestMeta): Promise<void> {
      const at = now();
      const scope = ctx.scope();
      const verification = await store.verifications.findActiveByTokenHash(scope, hashToken(token), at); // another tenant's link is unknown here
      if (!verification || !(await store.verifications.consume(scope, verification.id, at))) throw invalidToken();
      const user = await store.users.findById(scope, verification.userId);
      if (!user) throw invalidToken();
      await markVerified(user, meta);
    },

    /**
     * Verifies with the 6-digit code, for the signed-in user or the account of `email`. An address without a pending
     * code (unknown, or already verified) answers exactly as a real one: `invalid_code`, and `too_many_attempts` from
     * the 5th wrong try.
     * @throws ValidationError `invalid_code`; RateLimitError `too_many_attempts` once 5 wrong codes burned it.
     */
    async verifyEmailCode(target: { user: User } | { email: string }, code: string, meta: RequestMeta): Promise<void> {
      await protection.limit("verifyEmail", meta);
      const at = now();
      const tenant = ctx.scope();
      // One statement either way (with an email: the user and its pending code together), so that a real address and
      // an unknown one cost the same.
      const found =
        "user" in target
          ? { user: target.user, verification: await store.verifications.findActiveByUser(target.user.id, "email", at) }
          : await store.verifications.findActiveByEmail(tenant, target.email, "email", at);
      const email = "email" in target ? target.email : null;
      const verification = found?.verification;
      if (!found || !verification?.codeHash) return refuseCode(tenant, email);
      // The attempt is counted before the comparison, so concurrent guesses cannot exceed the limit.
      const attempt = await store.verifications.reserveAttempt(tenant, verification.id, verificationMaxAttempts, at);
      if (attempt === null) throw tooManyCodes();
      if (!ctx.codes.verify(verification.codeHash, emailCodePurpose, found.user.id, code)) {
        if (attempt >= verificationMaxAttempts) throw tooManyCodes();
        throw invalidCode();
      }
      if (!(await store.verifications.consume(tenant, verification.id, at))) throw invalidCode();
      await markVerified(found.user, meta);
    },

    /**
     * Always resolves, at once; a new verification mail (superseding the older codes and links) goes out after the
     * response, only for an existing, unverified account.
     */
    async resendVerification(target: { email: string } | { user: User }, meta: RequestMeta, linkBase?: string | null): Promise<void> {
      await protection.limit("verifyEmail", meta);
      const base = links.base(linkBase);
      outbox.later("verify_email", async () => {
        const scope = ctx.scope();
        const address = "user" in target ? target.user.email : target.email;
        // Past the recipient's limit nothing changes: no new code, and no fresh attempts for an address without one.
        if (!(await outbox.allowRecipient(address))) return;
        const user = "user" in target ? target.user : await store.users.findByEmail(scope, target.email);
        if (!user || user.emailVerified) {
          // As a real resend gives a fresh code its own attempts, so it does for an address without one.
          await protection.resetCodeAttempts(scope, address);
          return;
        }
        if (base === null) return links.refuse("verify_email");
        const fresh = await store.transaction(async (tx) => {
          await tx.verifications.consumeAllForUser(user.id, "email", now());
          return createVerification(tx, user);
        });
        outbox.send(verificationMail(user.email, base, fresh.token, fresh.code), { userId: user.id, type: "verify_email" });
      });
    },
  };
}

export type EmailVerification = ReturnType<typeof createEmailVerification>;
