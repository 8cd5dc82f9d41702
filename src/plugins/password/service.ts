import { typeid } from "typeid-js";
import { generateNumericCode, generateToken, hashToken, isEqualHash } from "../../crypto/tokens.js";
import type { EngineContext } from "../../engine/context.js";
import { lockoutKeys } from "../../engine/services/protection.js";
import type { IssuedSession, RequestMeta } from "../../engine/services/sessions.js";
import { AuthenticationError, ForbiddenError, RateLimitError, ValidationError } from "../../errors.js";
import type { MailMessage } from "../../mail/mailer.js";
import type { StoreRepositories, User } from "../../store/contract.js";
import type { PasswordHasher } from "./hasher.js";
import { resetMail, verificationMail } from "./mail.js";
import { assertPasswordPolicy } from "./policy.js";
import { passwordStore } from "./store.js";

export interface SignUpInput {
  email: string;
  password: string;
  firstName?: string;
  lastName?: string;
  username?: string;
  metadata?: Record<string, unknown>;
}

export type SignUpResult =
  | ({ verificationRequired: false; user: User } & IssuedSession)
  | { verificationRequired: true; user: User };

export type SignInInput = ({ email: string; username?: never } | { username: string; email?: never }) & { password: string };
export type SignInResult = { user: User } & IssuedSession;

export const verificationCodeTtlSeconds = 15 * 60;
export const verificationMaxAttempts = 5;
export const resetTokenTtlSeconds = 60 * 60;

const invalidCredentials = () => new AuthenticationError("invalid_credentials", "The email or password is incorrect");
const invalidToken = () => new ValidationError("invalid_token", "The link is invalid, expired or already used");

/** The password plugin's decisions: sign-up, sign-in, change/forgot/reset password, email verification. */
export function createPasswordService(ctx: EngineContext, hasher: PasswordHasher) {
  const { store, config, now, protection } = ctx;
  // A real hash of a random password with the configured parameters, verified for unknown users so that an unknown
  // email and a wrong password cost the same (one verification each).
  const dummyHash = hasher.hash(generateToken("dummy_", ctx.random));

  /** Sends after the commit; a mail failure is logged, never undoing what was committed. */
  async function deliver(message: MailMessage, userId: string | null, type: string): Promise<void> {
    const { app, env } = ctx.tenant();
    try {
      await ctx.mailer.send(message);
      // Outbox metadata only: the body (with its token) exists nowhere but in the message.
      await store.notifications.create({ appId: app.id, envId: env.id, userId, type, channel: "email", recipient: message.to, subject: message.subject, sentAt: now() });
    } catch (error) {
      ctx.logger.error("mail not sent", { type, error });
    }
  }

  async function createVerification(repos: StoreRepositories, user: User) {
    const token = generateToken("ev_", ctx.random);
    const code = generateNumericCode(6, ctx.random);
    await repos.verifications.create({
      appId: user.appId,
      envId: user.envId,
      userId: user.id,
      type: "email",
      tokenHash: hashToken(token),
      codeHash: hashToken(`${user.id}:${code}`), // salted by user: a 6-digit space is tiny, one table must not crack all
      expiresAt: new Date(now().getTime() + verificationCodeTtlSeconds * 1000),
    });
    return { token, code };
  }

  async function markVerified(user: User, meta: RequestMeta): Promise<void> {
    const verified = await store.users.update(user.id, { emailVerified: true });
    await ctx.audit({ type: "user.email_verified", userId: user.id, meta });
    await ctx.hooks.after("emailVerified.after", { user: verified, meta }, store);
  }

  return {
    /**
     * @throws ValidationError `weak_password`; ConflictError `email_taken` | `username_taken` (unless email
     *   verification is required: then a taken email gets the same answer as a new one and nothing is written).
     */
    async signUp(input: SignUpInput, meta: RequestMeta, appUrl: string): Promise<SignUpResult> {
      await protection.limit("signUp", meta);
      assertPasswordPolicy(input.password, config.password);
      const { app, env } = ctx.tenant();
      await ctx.hooks.before("signUp.before", { email: input.email, meta }, store);
      const hash = await hasher.hash(input.password);
      const username = input.username?.trim();
      const profile = {
        appId: app.id,
        envId: env.id,
        email: input.email,
        firstName: input.firstName ?? "",
        lastName: input.lastName ?? "",
        username: username?.toLowerCase() ?? "",
        displayUsername: username ?? "",
        metadata: input.metadata ?? {},
      };
      let outcome: { user: User; issued?: IssuedSession; verification?: { token: string; code: string } };
      try {
        outcome = await store.transaction(async (tx) => {
          const user = await tx.users.create(profile);
          await passwordStore(tx).setInitial(user.id, hash);
          if (config.requireEmailVerification) {
            await ctx.audit({ type: "user.signed_up", userId: user.id, meta }, tx);
            return { user, verification: await createVerification(tx, user) };
          }
          return { user, issued: await ctx.sessions.issue(user, meta, tx, { audit: { type: "user.signed_up" } }) };
        });
      } catch (err) {
        if (config.requireEmailVerification && (err as { code?: string }).code === "email_taken") {
          // No enumeration: the same answer as for a new address, and nothing is written or sent.
          const at = now();
          const shadow = { ...profile, id: typeid("ausr").toString(), emailVerified: false, image: "", phone: "", phoneVerified: false, banned: false, banReason: "", banExpires: null, createdAt: at, updatedAt: at, deletedAt: null } as User;
          return { verificationRequired: true, user: { ...shadow, email: profile.email.trim().toLowerCase() } };
        }
        throw err;
      }
      await ctx.hooks.after("signUp.after", { user: outcome.user, meta }, store);
      if (outcome.verification) {
        await deliver(verificationMail(outcome.user.email, appUrl, outcome.verification.token, outcome.verification.code), outcome.user.id, "verify_email");
        return { verificationRequired: true, user: outcome.user };
      }
      return { verificationRequired: false, user: outcome.user, ...(outcome.issued as IssuedSession) };
    },

    /**
     * @throws AuthenticationError `invalid_credentials` (same for an unknown account and a wrong password);
     *   ForbiddenError `email_not_verified` | `user_banned`; RateLimitError `account_locked` | `rate_limited`.
     */
    async signIn(input: SignInInput, meta: RequestMeta): Promise<SignInResult> {
      const { app, env } = ctx.tenant();
      const identity = input.email !== undefined ? { email: input.email.trim().toLowerCase() } : { username: (input.username ?? "").trim().toLowerCase() };
      const counting = config.lockout ? { windowSeconds: config.lockout.windowSeconds } : false;
      // One statement counts the client's hit, finds the account and counts this attempt against it.
      const ipLimit = protection.limitOf("signIn", meta);
      const lookup = await passwordStore(store).beginSignIn({ appId: app.id, envId: env.id, ...identity }, now(), counting, ipLimit);
      protection.assertWithin(ipLimit, lookup.rateLimit);
      const { candidate } = lookup;
      if (!candidate?.hash) {
        await hasher.verify(await dummyHash, input.password);
        await ctx.audit({ type: "signin.failed", meta, metadata: { reason: "unknown_account" } });
        throw invalidCredentials();
      }
      const { user } = candidate;
      protection.assertNotLocked(candidate.lockedUntil);
      // Attempts are counted before the password is checked, so a burst of concurrent guesses is cut off too.
      if (protection.isBeyondLimit(candidate.attempts)) await protection.lockOut(user.id);
      if (!(await hasher.verify(candidate.hash, input.password))) {
        const locked = protection.isOverLimit(candidate.attempts);
        if (locked) await protection.lock(user.id);
        await ctx.audit({ type: locked ? "signin.locked_out" : "signin.failed", userId: user.id, meta, metadata: { reason: "wrong_password" } });
        throw invalidCredentials();
      }
      if (user.banned && (!user.banExpires || user.banExpires > now())) {
        throw new ForbiddenError("user_banned", "This account is banned", { details: user.banReason ? { reason: user.banReason } : {} });
      }
      if (config.requireEmailVerification && !user.emailVerified) {
        throw new ForbiddenError("email_not_verified", "Verify your email address before signing in");
      }
      await ctx.hooks.before("signIn.before", { user, meta }, store);
      if (hasher.needsRehash(candidate.hash)) {
        const upgraded = await hasher.hash(input.password);
        await store.transaction((tx) => passwordStore(tx).replace(user.id, upgraded, now()));
      }
      // The session, its audit event and the reset of the failed-attempt counter: one statement.
      const issued = await ctx.sessions.issue(user, meta, store, {
        audit: { type: "signin.succeeded" },
        ...(candidate.attempts > 0 ? { resetRateLimitKey: lockoutKeys.attempts(user.id) } : {}),
      });
      await ctx.hooks.after("signIn.after", { user, session: issued.session, meta }, store);
      return { user, ...issued };
    },

    /** @throws AuthenticationError `invalid_credentials` for a wrong current password; ValidationError `weak_password`. */
    async changePassword(
      user: User,
      input: { currentPassword: string; newPassword: string; revokeOtherSessions?: boolean; currentSessionId: string },
      meta: RequestMeta,
    ): Promise<void> {
      // Guessing the current password from a stolen session is limited like sign-in: per IP, and by the lockout.
      await protection.limit("signIn", meta);
      const current = await passwordStore(store).currentHash(user.id);
      if (!current || !(await hasher.verify(current, input.currentPassword))) {
        await ctx.audit({ type: "password.change_failed", userId: user.id, meta });
        throw invalidCredentials();
      }
      assertPasswordPolicy(input.newPassword, config.password);
      const hash = await hasher.hash(input.newPassword);
      const at = now();
      await store.transaction(async (tx) => {
        await passwordStore(tx).replace(user.id, hash, at);
        await tx.passwordResets.consumeAllForUser(user.id, at);
        if (input.revokeOtherSessions) await tx.sessions.revokeByUser(user.id, "logout", at, input.currentSessionId);
        await ctx.audit({ type: "password.changed", userId: user.id, meta }, tx);
      });
    },

    /** Always resolves: a reset mail goes out only when the account exists (no enumeration). */
    async forgotPassword(email: string, meta: RequestMeta, appUrl: string): Promise<void> {
      await protection.limit("forgotPassword", meta);
      const { app, env } = ctx.tenant();
      const user = await store.users.findByEmail(app.id, env.id, email);
      if (!user) return;
      const token = generateToken("pr_", ctx.random);
      await store.passwordResets.create({
        appId: app.id,
        envId: env.id,
        userId: user.id,
        tokenHash: hashToken(token),
        expiresAt: new Date(now().getTime() + resetTokenTtlSeconds * 1000),
      });
      await deliver(resetMail(user.email, appUrl, token), user.id, "password_reset");
    },

    /** Single use: sets the new password and revokes every session. @throws ValidationError `invalid_token` | `weak_password` */
    async resetPassword(token: string, newPassword: string, meta: RequestMeta): Promise<void> {
      assertPasswordPolicy(newPassword, config.password);
      const hash = await hasher.hash(newPassword);
      const at = now();
      const { app } = ctx.tenant();
      const user = await store.transaction(async (tx) => {
        const reset = await tx.passwordResets.consume(hashToken(token), at, app.id); // another app's link is unknown here
        if (!reset) throw invalidToken();
        const owner = await tx.users.findById(reset.userId);
        if (!owner) throw invalidToken();
        await passwordStore(tx).replace(owner.id, hash, at);
        await tx.passwordResets.consumeAllForUser(owner.id, at);
        await tx.sessions.revokeByUser(owner.id, "logout", at);
        await ctx.audit({ type: "password.reset", userId: owner.id, meta }, tx);
        return owner;
      });
      await protection.clearAttempts(user.id, { unlock: true }); // proving control of the mailbox lifts a lock
      await ctx.hooks.after("passwordReset.after", { user, meta }, store);
    },

    /** Verifies with the link token. @throws ValidationError `invalid_token` */
    async verifyEmailToken(token: string, meta: RequestMeta): Promise<void> {
      const at = now();
      const { app, env } = ctx.tenant();
      const found = await store.verifications.findActiveByTokenHash(hashToken(token), at);
      const verification = found && found.appId === app.id && found.envId === env.id ? found : null; // another app's link is unknown here
      if (!verification || !(await store.verifications.consume(verification.id, at))) throw invalidToken();
      const user = await store.users.findById(verification.userId);
      if (!user) throw invalidToken();
      await markVerified(user, meta);
    },

    /**
     * Verifies with the 6-digit code, for the signed-in user or the account of `email`.
     * @throws ValidationError `invalid_code`; RateLimitError `too_many_attempts` once 5 wrong codes burned it.
     */
    async verifyEmailCode(target: { user: User } | { email: string }, code: string, meta: RequestMeta): Promise<void> {
      await protection.limit("verifyEmail", meta);
      const at = now();
      const { app, env } = ctx.tenant();
      const user = "user" in target ? target.user : await store.users.findByEmail(app.id, env.id, target.email);
      const verification = user ? await store.verifications.findActiveForUser(user.id, "email", at) : null;
      if (!user || !verification?.codeHash) throw new ValidationError("invalid_code", "The code is wrong or expired");
      // The attempt is counted before the comparison, so concurrent guesses cannot exceed the limit.
      const attempt = await store.verifications.reserveAttempt(verification.id, verificationMaxAttempts, at);
      if (attempt === null) throw new RateLimitError("too_many_attempts", "Too many wrong codes; request a new one", 1);
      if (!isEqualHash(verification.codeHash, hashToken(`${user.id}:${code}`))) {
        if (attempt >= verificationMaxAttempts) {
          throw new RateLimitError("too_many_attempts", "Too many wrong codes; request a new one", 1);
        }
        throw new ValidationError("invalid_code", "The code is wrong or expired");
      }
      if (!(await store.verifications.consume(verification.id, at))) throw new ValidationError("invalid_code", "The code is wrong or expired");
      await markVerified(user, meta);
    },

    /** Always resolves; a new verification mail goes out only for an existing, unverified account. */
    async resendVerification(email: string, meta: RequestMeta, appUrl: string): Promise<void> {
      await protection.limit("verifyEmail", meta);
      const { app, env } = ctx.tenant();
      const user = await store.users.findByEmail(app.id, env.id, email);
      if (!user || user.emailVerified) return;
      const fresh = await store.transaction(async (tx) => {
        await tx.verifications.consumeAllForUser(user.id, "email", now());
        return createVerification(tx, user);
      });
      await deliver(verificationMail(user.email, appUrl, fresh.token, fresh.code), user.id, "verify_email");
    },
  };
}

export type PasswordService = ReturnType<typeof createPasswordService>;
