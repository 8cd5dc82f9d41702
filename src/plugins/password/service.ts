import { typeid } from "typeid-js";
import { ValidationError } from "../../errors.js";
import {
  deviceAttemptsKey,
  type EngineContext,
  generateToken,
  hashToken,
  type IssuedSession,
  lockoutKeys,
  normalizeIdentifier,
  type RequestMeta,
  type SignInIdentifier,
  type SignInResult,
  type User,
} from "../../plugin/index.js";
import { invalidCredentials, invalidToken } from "./errors.js";
import type { PasswordHasher } from "./hasher.js";
import { lockedMail, mailLinks, resetMail } from "./mail.js";
import { assertPasswordPolicy } from "./policy.js";
import { passwordStore } from "./store.js";
import { createEmailVerification } from "./verification.js";

export interface SignUpInput {
  email: string;
  password: string;
  firstName?: string;
  lastName?: string;
  username?: string;
  metadata?: Record<string, unknown>;
}

export type SignUpResult =
  | ({ verificationRequired: false; challenge?: undefined; user: User } & IssuedSession & { deviceCookie: string })
  /** A second-factor gate stopped the new account's first sign-in (e.g. required MFA: enrol first). */
  | { verificationRequired: false; challenge: Extract<SignInResult, { kind: "challenge" }>; user: User }
  | { verificationRequired: true; user: User };

export type SignInInput = ({ email: string; username?: never } | { username: string; email?: never }) & { password: string };

/** What the HTTP layer knows of the request beyond its metadata. */
export interface SignInContext {
  /** The `authsome_device` cookie the browser sent, if any. */
  deviceCookie?: string;
  /** Where links in mail point (the unlock link of a lock mail); default `config.appUrl`. */
  linkBase?: string | null;
}

export const resetTokenTtlSeconds = 60 * 60;
const unlockCeremony = "account_unlock";

/** The events the plugin emits (declared with the engine). */
export const passwordEvents = [
  "signin.failed",
  "signin.locked_out",
  "account.unlocked",
  "password.changed",
  "password.change_failed",
  "password.reset",
] as const;

/** Its per-IP limits and their defaults (requests per `config.rateLimits.window`). */
export const passwordRateLimits = { signIn: 30, signUp: 10, forgotPassword: 10, verifyEmail: 30 } as const;

/**
 * What a device cookie is bound to besides the user: the current password hash, so a changed or reset password
 * retires every device cookie issued before it (nothing is stored per device).
 */
const credentialVersion = (phc: string) => hashToken(phc).slice(0, 16);

/** The password plugin's decisions: sign-up, sign-in, change/forgot/reset password, email verification. */
export function createPasswordService(ctx: EngineContext, hasher: PasswordHasher) {
  const { store, config, now, protection, outbox } = ctx;
  // A real hash of a random password with the configured parameters, verified for unknown users so that an unknown
  // email and a wrong password cost the same (one verification each).
  const dummyHash = hasher.hash(generateToken("dummy_", ctx.random));
  const lockout = config.lockout;
  const links = mailLinks(ctx);
  const verification = createEmailVerification(ctx, links);

  /** After a lock was set: mail the owner an unlock link (single use, hashed, valid as long as the lock). */
  function sendLockNotice(user: User, linkBase: string | null): void {
    if (!lockout) return;
    outbox.later("account_locked", async () => {
      if (linkBase === null) return links.refuse("account_locked");
      if (!(await outbox.allowRecipient(user.email))) return;
      const token = await ctx.ceremonies.begin(unlockCeremony, { userId: user.id }, lockout.durationSeconds, { prefix: "ul_" });
      outbox.send(lockedMail(user.email, linkBase, token, lockout.durationSeconds), { userId: user.id, type: "account_locked" });
    });
  }

  /** Sets a lock on the identifier; the first request to set it mails the owner, when there is one. */
  async function lockIdentifier(identifier: SignInIdentifier, user: User | null, linkBase: string | null): Promise<void> {
    if ((await protection.lock(identifier)) && user) sendLockNotice(user, linkBase);
  }

  return {
    /**
     * @throws ValidationError `weak_password`; ConflictError `email_taken` | `username_taken` (unless email
     *   verification is required: then a taken email gets the same answer as a new one and nothing is written).
     */
    async signUp(input: SignUpInput, meta: RequestMeta, linkBase?: string | null): Promise<SignUpResult> {
      await protection.limit("signUp", meta);
      assertPasswordPolicy(input.password, config.password, "password");
      const scope = ctx.scope();
      await ctx.hooks.before("signUp.before", { email: input.email, meta }, store);
      const hash = await hasher.hash(input.password);
      const username = input.username?.trim();
      const profile = {
        ...scope,
        email: input.email,
        firstName: input.firstName ?? "",
        lastName: input.lastName ?? "",
        username: username?.toLowerCase() ?? "",
        displayUsername: username ?? "",
        metadata: input.metadata ?? {},
      };
      const sendsVerification = config.requireEmailVerification || config.sendVerificationOnSignUp;
      // With second-factor gates, the new account signs in through them like every sign-in (required MFA asks for
      // enrolment first); without any, the session is written with the account, in its transaction.
      const gated = ctx.signIns.hasGates();
      let outcome: { user: User; issued?: IssuedSession; verification?: { token: string; code: string } };
      try {
        outcome = await store.transaction(async (tx) => {
          const at = now();
          const user = await tx.users.create({ ...profile, createdAt: at });
          await passwordStore(tx).setInitial(user.id, hash, at);
          const pending = sendsVerification ? { verification: await verification.create(tx, user) } : {};
          if (config.requireEmailVerification) {
            await ctx.events.emit("user.signed_up", { userId: user.id, meta, metadata: { method: "password" } }, tx);
            return { user, ...pending };
          }
          if (gated) return { user, ...pending }; // the event goes with the session (or the challenge), below
          const issued = await ctx.sessions.issue(user, meta, tx, { event: { type: "user.signed_up", metadata: { method: "password" } }, method: "password" });
          return { user, issued, ...pending };
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
      // Mail is queued once the request's own statements are done, so its work never lands among them.
      const sendVerification = () => outcome.verification && verification.send(outcome.user, outcome.verification, links.base(linkBase));
      if (config.requireEmailVerification) {
        sendVerification();
        return { verificationRequired: true, user: outcome.user };
      }
      let issued = outcome.issued;
      if (!issued) {
        const signedUp = { type: "user.signed_up", metadata: { method: "password" } };
        const result = await ctx.signIns.complete(outcome.user, meta, { method: "password", event: signedUp });
        if (result.kind === "challenge") {
          await ctx.events.emit(signedUp.type, { userId: outcome.user.id, meta, metadata: signedUp.metadata });
          sendVerification();
          return { verificationRequired: false, challenge: result, user: outcome.user };
        }
        issued = result;
      }
      sendVerification();
      // Signing up proves as much as signing in: this browser gets past a later lockout too.
      return { verificationRequired: false, user: outcome.user, ...issued, deviceCookie: ctx.devices.issue(outcome.user.id, credentialVersion(hash)) };
    },

    /**
     * The password proven, the sign-in completes through `ctx.signIns.complete` (bans, email verification, every
     * second-factor gate, the session): the result is a session — with a fresh device cookie — or a gate's challenge.
     * @throws AuthenticationError `invalid_credentials` (same for an unknown account and a wrong password);
     *   ForbiddenError `email_not_verified` | `user_banned`; RateLimitError `account_locked` (same for an unknown
     *   identifier) | `rate_limited`.
     */
    async signIn(input: SignInInput, meta: RequestMeta, request: SignInContext = {}): Promise<SignInResult> {
      const scope = ctx.scope();
      const identifier: SignInIdentifier =
        input.email !== undefined
          ? { ...scope, kind: "email", value: normalizeIdentifier(input.email) }
          : { ...scope, kind: "username", value: normalizeIdentifier(input.username ?? "") };
      const keys = lockoutKeys(identifier);
      const counting = lockout ? { windowSeconds: lockout.windowSeconds, keys } : false;
      const linkBase = links.base(request.linkBase);
      // One statement counts the client's hit, reads the identifier's lock, finds the account and counts this attempt.
      const ipLimit = protection.limitOf("signIn", meta);
      const lookup = await passwordStore(store).beginSignIn(
        { ...scope, [identifier.kind]: identifier.value },
        now(),
        counting,
        ipLimit,
      );
      protection.assertWithin(ipLimit, lookup.rateLimit);
      const { candidate, attempts, lockedUntil } = lookup;
      // The counter a success clears: the identifier's attempts, or a trusted device's past a lock.
      let counted = attempts > 0 ? keys.attempts : null;
      if (protection.isLocked(lockedUntil)) {
        // A browser that signed in to this very account before is not locked out by someone else's guesses.
        const device =
          candidate?.hash && lockout && lockout.trustedDevices ? ctx.devices.verify(request.deviceCookie, candidate.user.id, credentialVersion(candidate.hash)) : null;
        if (!device) protection.assertNotLocked(lockedUntil);
        else {
          await protection.countDeviceAttempt(device, lockedUntil as Date);
          counted = deviceAttemptsKey(device);
        }
      } else if (protection.exceedsLimit(attempts)) {
        // Attempts are counted before the password is checked, so a burst of concurrent guesses is cut off too.
        await lockIdentifier(identifier, candidate?.user ?? null, linkBase);
        throw protection.lockedError();
      }
      if (!candidate?.hash || !(await hasher.verify(candidate.hash, input.password))) {
        if (!candidate?.hash) await hasher.verify(await dummyHash, input.password);
        const locked = protection.reachesLimit(attempts);
        if (locked) await lockIdentifier(identifier, candidate?.user ?? null, linkBase);
        const reason = candidate?.hash ? "wrong_password" : "unknown_account";
        await ctx.events.emit(locked ? "signin.locked_out" : "signin.failed", { userId: candidate?.user.id ?? null, meta, metadata: { reason } });
        throw invalidCredentials();
      }
      const { user } = candidate;
      // With no gate challenging: the session, its event and the reset of the attempt counter in one statement. A
      // banned or unverified user is refused here, before anything of theirs is written.
      // The password is right: an outdated hash is upgraded first, so the device cookie binds to the one now stored.
      let current = candidate.hash;
      if (hasher.needsRehash(current)) {
        const upgraded = await hasher.hash(input.password);
        await store.transaction((tx) => passwordStore(tx).replace(user.id, upgraded, now()));
        current = upgraded;
      }
      // A browser that signed in here is trusted past a later lockout of this account; after a gate's challenge, once
      // its answer is right (the ticket keeps the credential version the cookie is bound to).
      const deviceCredential = credentialVersion(current);
      const result = await ctx.signIns.complete(user, meta, { method: "password", resetRateLimitKey: counted, deviceCredential });
      return result.kind === "session" ? { ...result, deviceCookie: ctx.devices.issue(user.id, deviceCredential) } : result;
    },

    /**
     * Lifts the lock the unlock link in a lock mail was sent for (single use).
     * @throws ValidationError `invalid_token`
     */
    async unlockAccount(token: string, meta: RequestMeta): Promise<void> {
      const ceremony = await ctx.ceremonies.consume<{ userId: string }>(unlockCeremony, token); // another app's link is unknown here
      if (!ceremony) throw invalidToken();
      const user = await store.users.findById(ctx.scope(), ceremony.payload.userId);
      if (!user) throw invalidToken();
      await protection.unlock(user);
      await ctx.events.emit("account.unlocked", { userId: user.id, meta });
    },

    /**
     * @throws AuthenticationError `invalid_credentials` for a wrong current password; ValidationError `weak_password`
     *   | `password_unchanged`.
     */
    async changePassword(
      user: User,
      input: { currentPassword: string; newPassword: string; revokeOtherSessions?: boolean; currentSessionId: string },
      meta: RequestMeta,
    ): Promise<void> {
      // Guessing the current password from a stolen session is limited like sign-in: per IP, and per account.
      await protection.limit("signIn", meta);
      await protection.countReauthentication(user);
      const current = await passwordStore(store).currentHash(user.id);
      if (!current || !(await hasher.verify(current, input.currentPassword))) {
        await ctx.events.emit("password.change_failed", { userId: user.id, meta });
        throw invalidCredentials();
      }
      await protection.clearReauthentication(user);
      if (input.newPassword === input.currentPassword) {
        throw new ValidationError("password_unchanged", "The new password must differ from the current one", { details: { fields: { new_password: "is the current password" } } });
      }
      assertPasswordPolicy(input.newPassword, config.password, "new_password");
      const hash = await hasher.hash(input.newPassword);
      const at = now();
      await store.transaction(async (tx) => {
        await passwordStore(tx).replace(user.id, hash, at);
        await tx.passwordResets.consumeAllForUser(user.id, at);
        // A changed password is usually a suspected compromise: every other session ends unless the caller keeps them.
        if (input.revokeOtherSessions ?? true) await tx.sessions.revokeByUser(user.id, "logout", at, input.currentSessionId);
        await ctx.events.emit("password.changed", { userId: user.id, meta }, tx);
      });
    },

    /**
     * Always resolves, at once: the account is looked up and the reset mail sent after the response, so a real and
     * an unknown address cost the request the same. A new link supersedes the user's older ones.
     */
    async forgotPassword(email: string, meta: RequestMeta, linkBase?: string | null): Promise<void> {
      await protection.limit("forgotPassword", meta);
      const base = links.base(linkBase);
      outbox.later("password_reset", async () => {
        const scope = ctx.scope();
        const user = await store.users.findByEmail(scope, email);
        if (!user) return;
        if (base === null) return links.refuse("password_reset");
        // Past the recipient's limit nothing changes: the live link stays live, no new one is made.
        if (!(await outbox.allowRecipient(user.email))) return;
        const token = generateToken("pr_", ctx.random);
        const at = now();
        await store.transaction(async (tx) => {
          await tx.passwordResets.consumeAllForUser(user.id, at);
          await tx.passwordResets.create({
            ...scope,
            userId: user.id,
            tokenHash: hashToken(token),
            createdAt: at,
            expiresAt: new Date(at.getTime() + resetTokenTtlSeconds * 1000),
          });
        });
        outbox.send(resetMail(user.email, base, token), { userId: user.id, type: "password_reset" });
      });
    },

    /** Single use: sets the new password and revokes every session. @throws ValidationError `invalid_token` | `weak_password` */
    async resetPassword(token: string, newPassword: string, meta: RequestMeta): Promise<void> {
      assertPasswordPolicy(newPassword, config.password, "new_password");
      const hash = await hasher.hash(newPassword);
      const at = now();
      const scope = ctx.scope();
      const user = await store.transaction(async (tx) => {
        const reset = await tx.passwordResets.consume(scope, hashToken(token), at); // another tenant's link is unknown here
        if (!reset) throw invalidToken();
        const owner = await tx.users.findById(scope, reset.userId);
        if (!owner) throw invalidToken();
        await passwordStore(tx).replace(owner.id, hash, at);
        await tx.passwordResets.consumeAllForUser(owner.id, at);
        await tx.sessions.revokeByUser(owner.id, "logout", at);
        await ctx.events.emit("password.reset", { userId: owner.id, meta }, tx);
        return owner;
      });
      await protection.unlock(user); // proving control of the mailbox lifts a lock
      await ctx.hooks.after("passwordReset.after", { user, meta }, store);
    },


    verifyEmailToken: verification.verifyEmailToken,
    verifyEmailCode: verification.verifyEmailCode,
    resendVerification: verification.resendVerification,

    /** The password as a re-authentication credential (`DELETE /me`); registered with the engine, not in `auth.api`. */
    credentials: {
      async has(user: User): Promise<boolean> {
        return (await passwordStore(store).currentHash(user.id)) !== null;
      },
      async verify(user: User, proof: { password?: string }): Promise<boolean> {
        if (proof.password === undefined) return false;
        const current = await passwordStore(store).currentHash(user.id);
        return current !== null && (await hasher.verify(current, proof.password));
      },
    },
  };
}

export type PasswordService = Omit<ReturnType<typeof createPasswordService>, "credentials">;
