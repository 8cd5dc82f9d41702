import { NotFoundError, ValidationError } from "../../errors.js";
import type { StoreRepositories, TenantScope, User } from "../../store/contract/index.js";

/** One way a user can sign in: a password, a linked provider account, a passkey. */
export interface SignInMethod {
  /** `password`, a social provider's id (`github`), `passkey`, … */
  provider: string;
  /** The account at the provider (a GitHub user id, a credential id); null for a password. */
  providerAccountId: string | null;
  /** The address the method knows the user by ("" when it knows none). */
  email: string;
  linkedAt: Date;
}

/** A plugin's contribution to a user's sign-in methods (`GET /me/accounts`, the last-way-in rule). */
export interface SignInMethodSource {
  /** Unique per source (usually the plugin id). */
  readonly id: string;
  /** The user's methods this source holds, read on `repos` (a transaction's when the caller holds one). */
  list(user: User, repos: StoreRepositories): Promise<SignInMethod[]>;
}

/**
 * Every plugin that gives users a way in registers it here, so the ways of one user can be listed and counted
 * wherever one is removed (unlinking a provider, deleting a passkey): the last way in is never removed.
 */
export function createSignInMethods(store: StoreRepositories, scope: () => TenantScope) {
  const sources: SignInMethodSource[] = [];
  async function list(user: User, repos: StoreRepositories = store): Promise<SignInMethod[]> {
    const all = (await Promise.all(sources.map((source) => source.list(user, repos)))).flat();
    return all.sort((a, b) => a.linkedAt.getTime() - b.linkedAt.getTime());
  }
  return {
    /** @throws ValidationError `invalid_config` for a source id registered twice. */
    add(source: SignInMethodSource): void {
      if (sources.some((s) => s.id === source.id)) throw new ValidationError("invalid_config", `Sign-in method source "${source.id}" is registered twice`);
      sources.push(source);
    },
    /** The user's sign-in methods from every source, oldest first. Pass a transaction's `repos` to count under its locks. */
    list,
    /**
     * Runs a removal of one of the user's ways in: in a transaction holding the user's row locked, with the methods
     * counted under that lock — so two concurrent removals (a provider link, a passkey) cannot both see the other's
     * method as still there. `fn` removes on `tx` and decides, from `methods`, whether it may.
     * @throws NotFoundError `not_found` for a user the current tenant does not have.
     */
    removing<T>(userId: string, fn: (tx: StoreRepositories, user: User, methods: SignInMethod[]) => Promise<T>): Promise<T> {
      return store.transaction(async (tx) => {
        const user = await tx.users.findByIdForUpdate(scope(), userId);
        if (!user) throw new NotFoundError("not_found", "No such user");
        return fn(tx, user, await list(user, tx));
      });
    },
  };
}

export type SignInMethods = ReturnType<typeof createSignInMethods>;
