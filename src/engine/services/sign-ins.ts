import { AuthsomeError, ForbiddenError, ValidationError } from "../../errors.js";
import type { NewUser, StoreRepositories, User } from "../../store/contract/index.js";
import type { ResolvedConfig } from "../config.js";
import type { Events } from "../events.js";
import type { HookBus } from "../hooks.js";
import type { RequestMeta } from "../request-meta.js";
import { scopeOf, type Tenant } from "../tenants.js";
import type { Ceremonies } from "./ceremonies.js";
import type { IssuedSession, SessionService } from "./sessions.js";

/** A sign-in whose first factor was proven: who, from where, and how (`password`, `social:github`, `magic_link`, …). */
export interface SignInAttempt {
  user: User;
  meta: RequestMeta;
  method: string;
}

/** What a gate answers instead of a session: a 403 with `code` (e.g. `mfa_required`), and a ticket to resume with. */
export interface SignInChallenge {
  code: string;
  message: string;
  /** Sent in the error's `details`, next to the ticket. */
  details?: Record<string, unknown>;
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
    /** Wrong answers before the ticket is burned. Default 5. */
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
}

/** The sign-in a ticket stands for, as the gate's `verify` sees it. */
export interface PendingSignIn {
  user: User;
  method: string;
  /** Answers counted so far, this one included. */
  attempts: number;
}

interface TicketPayload extends Record<string, unknown> {
  userId: string;
  method: string;
  resetRateLimitKey: string | null;
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
  config: Pick<ResolvedConfig, "requireEmailVerification">;
  now: () => Date;
  hooks: HookBus;
  sessions: SessionService;
  ceremonies: Ceremonies;
  events: Events;
  /** The app the current request acts for (a ticket and its user are that tenant's). */
  tenant: () => Tenant;
}

/**
 * The end of every sign-in, once: banned → 403 `user_banned`; an unverified email under `requireEmailVerification`
 * → 403 `email_not_verified`; each second-factor gate; then `signIn.before`, the session with its
 * `signin.succeeded` event and method (one statement), and `signIn.after`.
 */
export function createSignIns(deps: SignInDeps) {
  const { store, config, now, hooks, sessions, ceremonies, events } = deps;
  const gates: SecondFactorGate[] = [];

  function assertAllowed(user: User): void {
    if (user.banned && (!user.banExpires || user.banExpires > now())) {
      throw new ForbiddenError("user_banned", "This account is banned", { details: user.banReason ? { reason: user.banReason } : {} });
    }
    if (config.requireEmailVerification && !user.emailVerified) {
      throw new ForbiddenError("email_not_verified", "Verify your email address before signing in");
    }
  }

  async function passGates(attempt: SignInAttempt, from: number, resetRateLimitKey: string | null): Promise<SignInResult | null> {
    for (const gate of gates.slice(from)) {
      const challenge = await gate.check(attempt);
      if (!challenge) continue;
      const payload: TicketPayload = { userId: attempt.user.id, method: attempt.method, resetRateLimitKey };
      const ticket = await ceremonies.begin(`signin:${gate.id}`, payload, gate.ticket?.ttlSeconds ?? defaultTicketTtlSeconds, { prefix: "st_" });
      return { kind: "challenge", user: attempt.user, method: attempt.method, gate: gate.id, ticket, challenge, field: gate.ticket?.field ?? "ticket" };
    }
    return null;
  }

  async function issue(attempt: SignInAttempt, resetRateLimitKey: string | null): Promise<SignInResult> {
    const { user, meta, method } = attempt;
    await hooks.before("signIn.before", { user, meta, method }, store);
    const issued = await sessions.issue(user, meta, store, {
      event: { type: "signin.succeeded", metadata: { method } },
      method,
      ...(resetRateLimitKey ? { resetRateLimitKey } : {}),
    });
    await hooks.after("signIn.after", { user, session: issued.session, meta, method }, store);
    return { kind: "session", user, method, ...issued };
  }

  function gateOf(id: string): { gate: SecondFactorGate; index: number } {
    const index = gates.findIndex((g) => g.id === id);
    if (index < 0) throw new AuthsomeError("unknown_gate", `No second-factor gate "${id}" is registered`); // a programming error: 500
    return { gate: gates[index] as SecondFactorGate, index };
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
      const attempt = { user, meta, method: options.method };
      const reset = options.resetRateLimitKey ?? null;
      return (gates.length > 0 ? await passGates(attempt, 0, reset) : null) ?? issue(attempt, reset);
    },

    /**
     * Carries on a sign-in a gate challenged. `verify` is the gate's check of the answer; each call counts one
     * answer first, so at most `maxAttempts` are ever checked. Resolves null for a wrong answer (the ticket stays
     * until its attempts run out), else the session — or the next gate's challenge.
     * @throws ValidationError `invalid_ticket` (naming the ticket's field) for an unknown, expired, used or burned
     *   ticket, or one of another app; ForbiddenError as `complete` when the user was banned meanwhile.
     */
    async resume(ticket: string, options: { gate: string; meta: RequestMeta; verify: (pending: PendingSignIn) => Promise<boolean> }): Promise<SignInResult | null> {
      const { gate, index } = gateOf(options.gate);
      const field = gate.ticket?.field ?? "ticket";
      const invalid = () => new ValidationError("invalid_ticket", "The sign-in ticket is invalid, expired or used up", { details: { fields: { [field]: "is invalid, expired or used up" } } });
      const kind = `signin:${gate.id}`;
      const open = await ceremonies.attempt<TicketPayload>(kind, ticket, gate.ticket?.maxAttempts ?? defaultMaxAttempts);
      if (!open) throw invalid();
      const user = await store.users.findById(scopeOf(deps.tenant()), open.payload.userId);
      if (!user || user.deletedAt) throw invalid();
      assertAllowed(user);
      if (!(await options.verify({ user, method: open.payload.method, attempts: open.attempts }))) return null;
      if (!(await ceremonies.consume(kind, ticket))) throw invalid(); // a concurrent right answer won
      const attempt = { user, meta: options.meta, method: open.payload.method };
      return (await passGates(attempt, index + 1, open.payload.resetRateLimitKey)) ?? issue(attempt, open.payload.resetRateLimitKey);
    },
  };
}

export type SignIns = ReturnType<typeof createSignIns>;
