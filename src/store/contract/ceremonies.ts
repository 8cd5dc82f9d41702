import type { Stamped } from "./stamped.js";
import type { TenantScope } from "./tenant.js";

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
  /** Deletes ceremonies expired at `now`, in every tenant; returns how many. */
  purgeExpired(now: Date): Promise<number>;
}
