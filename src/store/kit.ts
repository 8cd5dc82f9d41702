/**
 * The store kit for a plugin's own tables and statements (re-exported by the plugin kit, `authsome/plugin`): where a
 * statement runs (`StatementTarget`), hand-written prepared statements (`Statement`, `runStatement`), raw rows mapped
 * to a table's typed shape (`mapRow`, `rowsOf`), the rate-limit counter's upsert for statements that count a hit
 * (`countHitOnConflict`), the audit event's row as a CTE of a plugin's own statement (`recordEvents`: call
 * `ctx.events.assertKnown(type)` first), and `defineStore`, which gives a plugin's queries the store's error guard and the plugin's
 * own conflict codes. Also: a ceremony consumed inside a plugin's statement (`consumeCeremonyCte`), and the keyset
 * pagination of the contract's lists (`keyset`, `toPage`).
 * @module
 */
import { AuthsomeError, ConflictError } from "../errors.js";
import type { StoreRepositories } from "./contract/index.js";
import { guard, internalDetails } from "./postgres/errors.js";

export { runStatement, type Statement, type StatementTarget } from "./postgres/prepared.js";
export { countHitOnConflict, ipHitCtes } from "./postgres/rate-limits.js";
export { type EventColumns, type FusedEvent, newEventId, recordEvents, recordedEvent } from "./postgres/events.js";
export { mapRow, rowsOf } from "./postgres/rows.js";
export { consumeCeremonyCte } from "./postgres/ceremonies.js";
export { keyset, type Keyset, toPage } from "./postgres/pagination.js";

/** What a plugin's store is built on: the sub-stores' database (a transaction's, inside one) and error mapping. */
export type StorePort = Pick<StoreRepositories, "db" | "mapError" | "preparedStatements">;

/** The code (and optionally the message) a unique violation of one constraint becomes. */
export type ConflictMapping = string | { code: string; message: string };

export interface StoreOptions {
  /**
   * Unique constraints (or unique indexes) by name → the code their violation throws as ConflictError, e.g.
   * `{ authsome_oauth_accounts_app_id_provider_provider_account_id_uq: "account_linked" }`. Any other unique
   * violation stays `conflict`.
   */
  conflicts?: Readonly<Record<string, ConflictMapping>>;
}

/** A plugin's queries: named async functions over its tables. */
export type StoreQueries = Record<string, (...args: never[]) => Promise<unknown>>;

const defaultConflictMessage = "A record with these values already exists";
const codeShape = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;

function resolveConflicts(conflicts: StoreOptions["conflicts"] = {}): ReadonlyMap<string, { code: string; message: string }> {
  const byConstraint = new Map<string, { code: string; message: string }>();
  for (const [constraint, mapping] of Object.entries(conflicts)) {
    const resolved = typeof mapping === "string" ? { code: mapping, message: defaultConflictMessage } : mapping;
    if (!constraint || !codeShape.test(resolved.code)) {
      throw new AuthsomeError("invalid_config", `defineStore: the conflict code for "${constraint}" must be snake_case`);
    }
    byConstraint.set(constraint, resolved);
  }
  return byConstraint;
}

/**
 * Defines a plugin's store: `build(repos)` returns its queries, and the result is a function of the repos that
 * builds them once per repos object — once for the store, once per transaction — not on every call. Whatever a
 * query throws reaches the caller as the store's error (`repos.mapError`: never a driver message, which carries bound
 * parameters), and a unique violation of a constraint named in `options.conflicts` becomes ConflictError with that
 * code (the constraint name stays in `details.constraint`, which is never serialised to clients).
 *
 * @throws AuthsomeError `invalid_config` at definition, for a conflict code that is not snake_case.
 * @example
 * ```ts
 * export const accountsStore = defineStore(
 *   { conflicts: { authsome_oauth_accounts_app_id_provider_provider_account_id_uq: "account_linked" } },
 *   ({ db }) => ({
 *     async link(input: NewAccount): Promise<void> {
 *       await db.insert(oauthAccounts).values(input);
 *     },
 *   }),
 * );
 * await accountsStore(ctx.store).link(account); // ConflictError `account_linked` when already linked
 * ```
 */
export function defineStore<Q extends StoreQueries>(options: StoreOptions, build: (repos: StorePort) => Q): (repos: StorePort) => Q {
  const conflicts = resolveConflicts(options.conflicts);
  const built = new WeakMap<StorePort, Q>();

  function mapErrorOf(repos: StorePort): (err: unknown) => AuthsomeError {
    return function mapStoreError(err: unknown): AuthsomeError {
      const mapped = repos.mapError(err);
      if (mapped.kind !== "conflict") return mapped;
      const constraint = mapped.details?.constraint;
      const own = typeof constraint === "string" ? conflicts.get(constraint) : undefined;
      if (!own || own.code === mapped.code) return mapped;
      return new ConflictError(own.code, own.message, { cause: mapped.cause ?? err, details: internalDetails({ constraint }) });
    };
  }

  return function storeOf(repos: StorePort): Q {
    let queries = built.get(repos);
    if (!queries) {
      const mapError = mapErrorOf(repos);
      const guarded: Record<string, unknown> = {};
      for (const [name, query] of Object.entries(build(repos))) guarded[name] = guard(query, mapError);
      queries = guarded as Q;
      built.set(repos, queries);
    }
    return queries;
  };
}
