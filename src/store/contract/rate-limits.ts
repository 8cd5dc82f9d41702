export interface RateLimitState {
  /** Hits in the current window, including this one. */
  count: number;
  /** When the current window ends. */
  resetAt: Date;
}

/** Fixed-window counters under caller-built keys (the caller puts the tenant into the key). */
export interface RateLimitsStore {
  /** Counts a hit in a fixed window of `windowSeconds`, atomically in one statement.
   *  @throws AuthsomeError `invalid_argument` unless `windowSeconds` is a positive integer (a programming error). */
  hit(key: string, windowSeconds: number, now: Date): Promise<RateLimitState>;
  /** The current window's state without counting a hit; null when there is none or it has expired. */
  findByKey(key: string, now: Date): Promise<RateLimitState | null>;
  /** Forgets a key (e.g. failed sign-ins after a success); returns how many rows went (0 or 1). */
  reset(key: string): Promise<number>;
  /** Deletes expired counters; returns how many. */
  purgeExpired(now: Date): Promise<number>;
}
