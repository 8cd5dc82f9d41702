import { ValidationError } from "../../errors.js";
import type { StoreRepositories, User } from "../../store/contract/index.js";

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
export function createSignInMethods(store: StoreRepositories) {
  const sources: SignInMethodSource[] = [];
  return {
    /** @throws ValidationError `invalid_config` for a source id registered twice. */
    add(source: SignInMethodSource): void {
      if (sources.some((s) => s.id === source.id)) throw new ValidationError("invalid_config", `Sign-in method source "${source.id}" is registered twice`);
      sources.push(source);
    },
    /** The user's sign-in methods from every source, oldest first. Pass a transaction's `repos` to count under its locks. */
    async list(user: User, repos: StoreRepositories = store): Promise<SignInMethod[]> {
      const all = (await Promise.all(sources.map((source) => source.list(user, repos)))).flat();
      return all.sort((a, b) => a.linkedAt.getTime() - b.linkedAt.getTime());
    },
  };
}

export type SignInMethods = ReturnType<typeof createSignInMethods>;
