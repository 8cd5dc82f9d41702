import type { Stamped } from "./stamped.js";
import type { TenantScope } from "./tenant.js";
import type { User } from "./users.js";

/** One-time state of an app environment, under the hash of the key the client holds. */
export interface Ceremony {
  keyHash: string;
  kind: string;
  appId: string;
  envId: string;
  payload: Record<string, unknown>;
  /** Answers counted by `recordAttempt`. */
  attempts: number;
  expiresAt: Date;
}

export type NewCeremony = Omit<Ceremony, "attempts"> & Stamped;

/** One answer to a sign-in ticket (a ceremony whose payload names `userId`, and optionally `accountKey`). */
export interface SignInAnswerInput {
  scope: TenantScope;
  kind: string;
  keyHash: string;
  /** Only a ticket whose payload's `purpose` is this one; null: any. */
  purpose: string | null;
  /** Answers the ticket takes; an answer beyond them finds nothing. */
  maxAttempts: number;
  now: Date;
  /** A per-IP limit counted first; over it, the ticket is not touched. */
  ipLimit: { key: string; limit: number; windowSeconds: number } | null;
  /**
   * The window of the account's answer counter — the rate-limit rows the payload's `answerKeys` name: `attempts`,
   * counted with the ticket's answer unless `lock` is set — null: neither counted nor read.
   */
  accountWindowSeconds: number | null;
}

export interface SignInAnswer {
  /** The client's per-IP count, when `ipLimit` was given. */
  rateLimit: { count: number; resetAt: Date } | null;
  /** Null when the ticket is unknown, expired, another tenant's or kind's, out of answers — or the client was over its limit. */
  ticket: {
    ceremony: Ceremony;
    /** Answers to this ticket, this one included. */
    attempts: number;
    /** Answers counted on the account in its window, this one included; null when not counted (or locked). */
    accountAttempts: number | null;
    /** Until when the account's answers are locked, if they are. */
    accountLockedUntil: Date | null;
    /** The ticket's user, when still live in the tenant. */
    user: User | null;
  } | null;
}

export interface CeremoniesStore {
  /** @throws ConflictError `conflict` for a key hash in use. */
  put(ceremony: NewCeremony): Promise<void>;
  /**
   * Deletes and returns it if it is the tenant's, of this kind and unexpired: exactly one caller gets it. Another
   * tenant's or kind's is left untouched (not burned) and reported as unknown.
   */
  consume(scope: TenantScope, kind: string, keyHash: string, now: Date): Promise<Ceremony | null>;
  /**
   * Counts one answer atomically (one conditional UPDATE) while fewer than `maxAttempts` were counted, and returns
   * the ceremony with the new count; null when it is unknown, expired, another tenant's or kind's, or has no attempt
   * left — so concurrent answers never exceed `maxAttempts`.
   */
  recordAttempt(scope: TenantScope, kind: string, keyHash: string, maxAttempts: number, now: Date): Promise<{ ceremony: Ceremony; attempts: number } | null>;
  /**
   * One statement for an answer to a sign-in ticket: the client's per-IP hit, then (within the limit) the ticket's
   * answer counted as `recordAttempt` does, the account's answer counted, and the ticket's live user read.
   */
  recordSignInAnswer(input: SignInAnswerInput): Promise<SignInAnswer>;
  /** Reads an open ceremony without counting or consuming it; null as for `consume`. */
  find(scope: TenantScope, kind: string, keyHash: string, now: Date): Promise<Ceremony | null>;
  /** Deletes ceremonies expired at `now`, in every tenant; returns how many. */
  purgeExpired(now: Date): Promise<number>;
}
