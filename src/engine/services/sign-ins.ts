import { hashToken } from "../../crypto/tokens.js";
import { AuthsomeError, ForbiddenError, isAuthsomeError, RateLimitError, ValidationError } from "../../errors.js";
import type { NewUser, StoreRepositories, User } from "../../store/contract/index.js";
import type { ResolvedConfig } from "../config.js";
import type { Events } from "../events.js";
import type { HookBus } from "../hooks.js";
import type { RequestMeta } from "../request-meta.js";
import { scopeOf, type Tenant } from "../tenants.js";
import type { Ceremonies } from "./ceremonies.js";
import type { Protection } from "./protection.js";
import { identifiersOf } from "./protection.js";
import type { IssuedSession, SessionService } from "./sessions.js";
import type { TrustedDevices } from "./trusted-devices.js";

/** A sign-in whose first factor was proven: who, from where, and how (`password`, `social:github`, `magic_link`, …). */
export interface SignInAttempt {
  user: User;
  meta: RequestMeta;
  method: string;
  /**
   * Whether the method proved two factors on its own (a passkey with user verification: something held and
   * something known or biometric); a second-factor gate lets such a sign-in pass.
   */
  multiFactor: boolean;
}

/** What a gate answers instead of a session: a 403 with `code` (e.g. `mfa_required`), and a ticket to resume with. */
export interface SignInChallenge {
  code: string;
  message: string;
  /** Sent in the error's `details`, next to the ticket. */
  details?: Record<string, unknown>;
  /**
   * What the ticket is for, when a gate issues tickets of several kinds (the MFA gate: `challenge`, `enroll`): an
   * answer (`resume`) or a read (`inspect`) naming another purpose finds no ticket — nothing is counted.
   */
  purpose?: string;
  /**
   * Kept with the ticket (in the store, never sent) and handed back to the gate's `verify` as `PendingSignIn.state`:
   * what the gate read at sign-in so that checking the answer costs no second read. No secret in the clear.
   */
  state?: Record<string, unknown>;
}

/**
 * A second-factor gate: every sign-in passes each registered gate, in registration order, after the ban and the
 * email-verification checks and before the session is issued. A gate that answers a challenge stops the sign-in;
 * `signIns.resume` with the ticket (and the gate's own check of the answer) carries it on.
 */
export interface SecondFactorGate {
  /** Unique; names the ticket's ceremony (`signin:<id>`). */
  readonly id: string;
  /** Null: this user passes (e.g. has no second factor enrolled); else the challenge to answer. */
  check(attempt: SignInAttempt): Promise<SignInChallenge | null>;
  readonly ticket?: {
    /** How long the ticket lives. Default 300. */
    ttlSeconds?: number;
    /** Answers the ticket takes; the last one, if wrong, burns it. Default 5. */
    maxAttempts?: number;
    /** The `details` field that carries the ticket. Default `ticket`. */
    field?: string;
  };
}

export type SignInResult =
  | ({ kind: "session"; user: User; method: string; deviceCookie?: string } & IssuedSession)
  | { kind: "challenge"; user: User; method: string; gate: string; ticket: string; challenge: SignInChallenge; field: string };

export interface CompleteOptions {
  /** How the user proved the first factor; recorded on the session and its `signin.succeeded` event. */
  method: string;
  /** A rate-limit row to delete with the session (the attempt counter a success clears). */
  resetRateLimitKey?: string | null;
  /** The method proved two factors itself (see `SignInAttempt.multiFactor`). Default false. */
  multiFactor?: boolean;
  /**
   * The credential version an `authsome_device` cookie is bound to (the password plugin: its hash's), for a sign-in a
   * gate challenges: the right answer earns the browser that cookie, as a sign-in without a gate does.
   */
  deviceCredential?: string;
  /**
   * The event the session is written with, when no gate challenges, instead of `signin.succeeded` (the password
   * sign-up's `user.signed_up`: one event, in the session's statement). A challenged sign-in writes none.
   */
  event?: { type: string; metadata?: Record<string, unknown> };
}

/** The sign-in a ticket stands for, as the gate's `verify` sees it. */
export interface PendingSignIn {
  user: User;
  method: string;
  /** What the gate's challenge kept (`SignInChallenge.state`). */
  state: Record<string, unknown>;
  /** Where the sign-in that was challenged came from. */
  signInMeta: RequestMeta;
  /** Answers counted so far, this one included. */
  attempts: number;
  /** This is the ticket's last answer: wrong, it burns the ticket (429 `too_many_attempts`). */
  lastAttempt: boolean;
  /** Wrong, this answer locks the account (429 `account_locked`): it reaches the lockout's count. */
  locksAccount: boolean;
}

/** A gate's verdict on an answer: wrong (false), right (true), or right by a named factor (the session's method becomes `<method>+<factor>`). */
export type GateVerdict = boolean | { factor: string };

export interface ResumeOptions {
  gate: string;
  /** Only a ticket the gate issued for this purpose (`SignInChallenge.purpose`) takes the answer. */
  purpose?: string;
  meta: RequestMeta;
  /** A per-IP limit (declared by the plugin) counted in the same statement as the answer. */
  limit?: string;
  /** The gate's check of the answer; runs at most `maxAttempts` times per ticket and never past the account's lockout. */
  verify: (pending: PendingSignIn) => Promise<GateVerdict>;
}

interface TicketPayload extends Record<string, unknown> {
  userId: string;
  method: string;
  /** Whether the first factor's method proved two factors itself; carried on unchanged past every gate. */
  multiFactor: boolean;
  purpose: string | null;
  /** The user's answer counter and lock (`answerKeysOf`), while lockout is on. */
  answerKeys: { attempts: string; lock: string } | null;
  /** `CompleteOptions.deviceCredential`, or null. */
  deviceCredential: string | null;
  meta: RequestMeta;
  state: Record<string, unknown>;
}

/**
 * The rows counting a user's answers to second-factor tickets, apart from the sign-in attempts of their identifiers:
 * a stranger's password guesses must not stop the owner's right code, nor a password reset restore an attacker's
 * guesses.
 */
function answerKeysOf(userId: string): { attempts: string; lock: string } {
  return { attempts: `signin-answers:${userId}`, lock: `signin-answers-lock:${userId}` };
}

const defaultTicketTtlSeconds = 300;
const defaultMaxAttempts = 5;

/** A new user's profile, as a sign-in method that creates accounts (social, magic links) knows it. */
export type NewUserProfile = Omit<NewUser, "appId" | "envId" | "createdAt" | "updatedAt">;

export interface SignUpOptions {
  /** How the account was created (`social:github`, `magic_link`): the `user.signed_up` event's `method`. */
  method: string;
  /** Writes that belong to the account's creation (a provider link), in its transaction. */
  within?: (tx: StoreRepositories, user: User) => Promise<void>;
}

export interface SignInDeps {
  store: StoreRepositories;
  config: Pick<ResolvedConfig, "requireEmailVerification" | "lockout">;
  now: () => Date;
  hooks: HookBus;
  sessions: SessionService;
  ceremonies: Ceremonies;
  events: Events;
  protection: Protection;
  devices: TrustedDevices;
  /** The app the current request acts for (a ticket and its user are that tenant's). */
  tenant: () => Tenant;
}

/**
 * The end of every sign-in, once: banned → 403 `user_banned`; an unverified email under `requireEmailVerification`
 * → 403 `email_not_verified`; each second-factor gate; then `signIn.before`, the session with its
 * `signin.succeeded` event and method (one statement), and `signIn.after`.
 */
export function createSignIns(deps: SignInDeps) {
  const { store, config, now, hooks, sessions, ceremonies, events, protection } = deps;
  const gates: SecondFactorGate[] = [];

  function assertAllowed(user: User): void {
    if (user.banned && (!user.banExpires || user.banExpires > now())) {
      throw new ForbiddenError("user_banned", "This account is banned", { details: user.banReason ? { reason: user.banReason } : {} });
    }
    if (config.requireEmailVerification && !user.emailVerified) {
      throw new ForbiddenError("email_not_verified", "Verify your email address before signing in");
    }
  }

  async function passGates(
    attempt: SignInAttempt,
    from: number,
    resetRateLimitKey: string | null,
    deviceCredential: string | null,
  ): Promise<Extract<SignInResult, { kind: "challenge" }> | null> {
    for (const gate of gates.slice(from)) {
      const challenge = await gate.check(attempt);
      if (!challenge) continue;
      const { state = {}, purpose, ...shown } = challenge;
      const payload: TicketPayload = {
        userId: attempt.user.id,
        method: attempt.method,
        multiFactor: attempt.multiFactor,
        purpose: purpose ?? null,
        answerKeys: config.lockout ? answerKeysOf(attempt.user.id) : null,
        deviceCredential,
        meta: { ipAddress: attempt.meta.ipAddress, userAgent: attempt.meta.userAgent },
        state,
      };
      const ticket = await ceremonies.begin(`signin:${gate.id}`, payload, gate.ticket?.ttlSeconds ?? defaultTicketTtlSeconds, { prefix: "st_" });
      // The first factor was right: its identifier's attempt counter is cleared (a user who leaves the code prompt a
      // few times is not locked out); the second factor's answers are counted on their own.
      if (resetRateLimitKey) await store.rateLimits.reset(resetRateLimitKey);
      return { kind: "challenge", user: attempt.user, method: attempt.method, gate: gate.id, ticket, challenge: shown, field: gate.ticket?.field ?? "ticket" };
    }
    return null;
  }

  async function issue(
    attempt: SignInAttempt,
    resetRateLimitKeys: readonly string[],
    options: { consumeCeremony?: { kind: string; keyHash: string }; event?: CompleteOptions["event"] } = {},
  ): Promise<SignInResult> {
    const { user, meta, method } = attempt;
    const { consumeCeremony, event } = options;
    await hooks.before("signIn.before", { user, meta, method }, store);
    const issued = await sessions.issue(user, meta, store, {
      event: event ? { type: event.type, metadata: { ...event.metadata, method } } : { type: "signin.succeeded", metadata: { method } },
      method,
      resetRateLimitKeys,
      ...(consumeCeremony ? { consumeCeremony } : {}),
    });
    await hooks.after("signIn.after", { user, session: issued.session, meta, method }, store);
    return { kind: "session", user, method, ...issued };
  }

  function gateOf(id: string): { gate: SecondFactorGate; index: number } {
    const index = gates.findIndex((g) => g.id === id);
    if (index < 0) throw new AuthsomeError("unknown_gate", `No second-factor gate "${id}" is registered`); // a programming error: 500
    return { gate: gates[index] as SecondFactorGate, index };
  }

  function invalidTicket(gate: SecondFactorGate): ValidationError {
    const field = gate.ticket?.field ?? "ticket";
    return new ValidationError("invalid_ticket", "The sign-in ticket is invalid, expired or used up", { details: { fields: { [field]: "is invalid, expired or used up" } } });
  }

  return {
    /**
     * Registers a second-factor gate (at setup).
     * @throws ValidationError `invalid_config` for a gate id registered twice.
     */
    addGate(gate: SecondFactorGate): void {
      if (gates.some((g) => g.id === gate.id)) throw new ValidationError("invalid_config", `Second-factor gate "${gate.id}" is registered twice`);
      gates.push(gate);
    },

    /** Whether any second-factor gate is registered (a method that writes sessions itself must then `complete`). */
    hasGates(): boolean {
      return gates.length > 0;
    },

    /**
     * Creates an account for a sign-in method that signs up as it signs in (a provider account, a magic link):
     * `signUp.before` (which may veto), the user with `within`'s writes and the `user.signed_up` event in one
     * transaction, then `signUp.after`. Complete the sign-in with `complete` afterwards.
     * @throws ConflictError `email_taken` when the address was taken meanwhile; whatever `signUp.before` throws.
     */
    async signUp(profile: NewUserProfile, meta: RequestMeta, options: SignUpOptions): Promise<User> {
      await hooks.before("signUp.before", { email: profile.email, meta }, store);
      const user = await store.transaction(async (tx) => {
        const created = await tx.users.create({ ...profile, ...scopeOf(deps.tenant()), createdAt: now() });
        await options.within?.(tx, created);
        await events.emit("user.signed_up", { userId: created.id, meta, metadata: { method: options.method } }, tx);
        return created;
      });
      await hooks.after("signUp.after", { user, meta }, store);
      return user;
    },

    /**
     * Completes a sign-in whose first factor the caller proved: a session, or a gate's challenge.
     * @throws ForbiddenError `user_banned` | `email_not_verified`; whatever a `signIn.before` hook throws.
     */
    async complete(user: User, meta: RequestMeta, options: CompleteOptions): Promise<SignInResult> {
      assertAllowed(user);
      const attempt: SignInAttempt = { user, meta, method: options.method, multiFactor: options.multiFactor ?? false };
      const reset = options.resetRateLimitKey ?? null;
      return (gates.length > 0 ? await passGates(attempt, 0, reset, options.deviceCredential ?? null) : null) ?? issue(attempt, reset ? [reset] : [], options.event ? { event: options.event } : {});
    },

    /**
     * Carries on a sign-in a gate challenged. One statement counts the client's hit on `options.limit`, one answer
     * on the ticket (of `options.purpose`, if given) and one on the account's answers (counted apart from password
     * attempts), and reads the user; then `verify` checks the answer. Right: the session — its statement consumes
     * the ticket, so one ticket yields one session — or the next gate's challenge. Wrong: null while the ticket has
     * answers left.
     * @throws ValidationError `invalid_ticket` (naming the ticket's field) for an unknown, expired, used or spent
     *   ticket, or one of another app or purpose; RateLimitError `too_many_attempts` for the ticket's last wrong
     *   answer (it takes no more: sign in again), `account_locked` when a wrong answer reaches the lockout's count
     *   (the account's answers and identifiers lock; none is checked while they are), `rate_limited` over the per-IP
     *   limit; ForbiddenError as `complete` when the user was banned meanwhile.
     */
    async resume(ticket: string, options: ResumeOptions): Promise<SignInResult | null> {
      const { gate, index } = gateOf(options.gate);
      const kind = `signin:${gate.id}`;
      const keyHash = hashToken(ticket);
      const maxAttempts = gate.ticket?.maxAttempts ?? defaultMaxAttempts;
      const ipLimit = options.limit ? protection.limitOf(options.limit, options.meta) : null;
      const lockout = config.lockout;
      const answer = await store.ceremonies.recordSignInAnswer({
        scope: scopeOf(deps.tenant()),
        kind,
        keyHash,
        purpose: options.purpose ?? null,
        maxAttempts,
        now: now(),
        ipLimit,
        accountWindowSeconds: lockout ? lockout.windowSeconds : null,
      });
      protection.assertWithin(ipLimit, answer.rateLimit);
      const open = answer.ticket;
      if (!open?.user) throw invalidTicket(gate);
      const { user } = open;
      const payload = open.ceremony.payload as TicketPayload;
      assertAllowed(user);
      const accountAttempts = open.accountAttempts;
      // Past the lockout's count, or while the answers are locked, no answer is checked.
      if (protection.isLocked(open.accountLockedUntil) || protection.exceedsLimit(accountAttempts ?? 0)) throw protection.lockedError();
      const verdict = await options.verify({
        user,
        method: payload.method,
        state: payload.state ?? {},
        signInMeta: payload.meta,
        attempts: open.attempts,
        lastAttempt: open.attempts >= maxAttempts,
        locksAccount: accountAttempts !== null && protection.reachesLimit(accountAttempts),
      });
      // A spent ticket is not deleted: it takes no more answers (the count is at its maximum), while a right answer
      // already checked, whose session is being written, still consumes it.
      if (verdict === false) {
        // This answer reaching the lockout's count locks the account: its answers for the lockout's duration, and its
        // password sign-ins with them.
        const locking = accountAttempts !== null && protection.reachesLimit(accountAttempts) ? payload.answerKeys : null;
        if (locking) {
          await protection.lockKey(locking.lock);
          for (const id of identifiersOf(user)) await protection.lock(id);
        }
        if (open.attempts < maxAttempts && locking) throw protection.lockedError();
        if (open.attempts >= maxAttempts) {
          throw new RateLimitError("too_many_attempts", "Too many wrong answers: sign in again", 1, { details: { fields: { [gate.ticket?.field ?? "ticket"]: "was used up by wrong answers" } } });
        }
        return null;
      }
      const method = typeof verdict === "object" ? `${payload.method}+${verdict.factor}` : payload.method;
      // What the first factor proved is carried on as it was: answering one gate satisfies no other.
      const attempt: SignInAttempt = { user, meta: options.meta, method, multiFactor: payload.multiFactor === true };
      const next = await passGates(attempt, index + 1, null, payload.deviceCredential ?? null);
      if (next) {
        if (!(await ceremonies.consume(kind, ticket))) throw invalidTicket(gate); // a concurrent right answer won
        return next;
      }
      const resets = payload.answerKeys ? [payload.answerKeys.attempts] : [];
      try {
        const result = await issue(attempt, resets, { consumeCeremony: { kind, keyHash } });
        // The browser that proved both factors is trusted past a later lockout, as after a sign-in without a gate.
        return result.kind === "session" && payload.deviceCredential ? { ...result, deviceCookie: deps.devices.issue(user.id, payload.deviceCredential) } : result;
      } catch (err) {
        if (isAuthsomeError(err) && err.code === "ceremony_consumed") throw invalidTicket(gate); // a concurrent right answer won
        throw err;
      }
    },

    /**
     * The sign-in an open ticket stands for, without counting an answer (e.g. to enrol the second factor a policy
     * requires before the ticket's answer).
     * @throws ValidationError `invalid_ticket` (as `resume`) for an unknown, expired, used or spent ticket, one of
     *   another app or purpose, or one whose user is gone.
     */
    async inspect(ticket: string, options: { gate: string; purpose?: string }): Promise<{ user: User; method: string; state: Record<string, unknown> }> {
      const { gate } = gateOf(options.gate);
      const open = await store.ceremonies.find(scopeOf(deps.tenant()), `signin:${gate.id}`, hashToken(ticket), now());
      const payload = open?.payload as TicketPayload | undefined;
      const usable = open && payload && open.attempts < (gate.ticket?.maxAttempts ?? defaultMaxAttempts) && (options.purpose === undefined || payload.purpose === options.purpose);
      const user = usable ? await store.users.findById(scopeOf(deps.tenant()), payload.userId) : null;
      if (!payload || !user || user.deletedAt) throw invalidTicket(gate);
      return { user, method: payload.method, state: payload.state ?? {} };
    },
  };
}

export type SignIns = ReturnType<typeof createSignIns>;
