import { generateToken, hashToken, type RandomSource } from "../../crypto/tokens.js";
import type { StoreRepositories } from "../../store/contract/index.js";
import { scopeOf, type Tenant } from "../tenants.js";

/** A ceremony's state while it is open. */
export interface OpenCeremony<P> {
  payload: P;
  /** Wrong answers counted so far (see `attempt`). */
  attempts: number;
  expiresAt: Date;
}

/**
 * One-time state shared by every instance (OAuth state, WebAuthn challenges, sign-in tickets, links in mail): the
 * client holds a random key, the store only its hash. Every ceremony belongs to the app and environment that began
 * it; another tenant's key is as unknown as a made-up one.
 */
export function createCeremonies(deps: { store: StoreRepositories; now: () => Date; tenant: () => Tenant; random?: RandomSource }) {
  const { store, now } = deps;
  const scope = () => scopeOf(deps.tenant());
  return {
    /**
     * Opens a ceremony of `kind` for `ttlSeconds` and returns the key the client presents later (prefixed with
     * `prefix`, 256 random bits). Pass `repos` to join a transaction.
     */
    async begin<P extends Record<string, unknown>>(kind: string, payload: P, ttlSeconds: number, options: { prefix?: string; repos?: StoreRepositories } = {}): Promise<string> {
      const key = generateToken(options.prefix ?? "cer_", deps.random);
      const at = now();
      await (options.repos ?? store).ceremonies.put({
        keyHash: hashToken(key),
        kind,
        ...scope(),
        payload,
        createdAt: at,
        expiresAt: new Date(at.getTime() + ttlSeconds * 1000),
      });
      return key;
    },
    /** Ends it and returns its state, for exactly one caller; null when unknown, expired, used, of another kind or tenant. */
    async consume<P extends Record<string, unknown>>(kind: string, key: string, repos: StoreRepositories = store): Promise<OpenCeremony<P> | null> {
      const found = await repos.ceremonies.consume(scope(), kind, hashToken(key), now());
      return found ? { payload: found.payload as P, attempts: found.attempts, expiresAt: found.expiresAt } : null;
    },
    /**
     * Counts one answer before it is checked (so concurrent guesses cannot exceed `maxAttempts`) and returns the
     * state; null once `maxAttempts` answers were counted, or when it is unknown or expired. Consume it when the
     * answer is right.
     */
    async attempt<P extends Record<string, unknown>>(kind: string, key: string, maxAttempts: number): Promise<OpenCeremony<P> | null> {
      const found = await store.ceremonies.recordAttempt(scope(), kind, hashToken(key), maxAttempts, now());
      return found ? { payload: found.ceremony.payload as P, attempts: found.attempts, expiresAt: found.ceremony.expiresAt } : null;
    },
  };
}

export type Ceremonies = ReturnType<typeof createCeremonies>;
