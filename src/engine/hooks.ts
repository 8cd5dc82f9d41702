import type { Session, StoreRepositories, User } from "../store/contract/index.js";
import type { Logger } from "./logger.js";
import type { RequestMeta } from "./request-meta.js";

/** Named engine events and their payloads. Before-hooks run before anything is written and may throw to veto. */
export interface HookEvents {
  "signUp.before": { email: string; meta: RequestMeta };
  "signUp.after": { user: User; meta: RequestMeta };
  /** After every gate passed, before the session is written; `method` is how the user signed in (`password`, …). */
  "signIn.before": { user: User; meta: RequestMeta; method: string };
  "signIn.after": { user: User; session: Session; meta: RequestMeta; method: string };
  "signOut.after": { userId: string; sessionId: string; meta: RequestMeta };
  "passwordReset.after": { user: User; meta: RequestMeta };
  "emailVerified.after": { user: User; meta: RequestMeta };
  /**
   * Inside the deletion's transaction (`repos` is it): each plugin removes what it holds of the user — password
   * hashes, provider links, MFA and passkey material — or throws to abort the deletion.
   */
  "deleteUser.before": { user: User; meta: RequestMeta };
  /** The `mfa` plugin: a second factor (`method`: `totp`) was verified and is now asked at every sign-in. */
  "mfa.enabled.after": { user: User; meta: RequestMeta; method: string };
  /** The `mfa` plugin: the user's second factor was removed (they proved it, or a recovery code, first). */
  "mfa.disabled.after": { user: User; meta: RequestMeta; method: string };
}

export type HookName = keyof HookEvents;
export type HookHandler<K extends HookName> = (payload: HookEvents[K], repos: StoreRepositories) => void | Promise<void>;
export type HookMap = { [K in HookName]?: HookHandler<K> };

/**
 * The hook bus. Before-hooks run in registration order and a throw aborts the operation (nothing written yet).
 * After-hooks observe: they run after the commit, and a failing one is logged, never undoing what happened.
 */
export function createHookBus(logger: Logger) {
  const handlers = new Map<HookName, Array<HookHandler<HookName>>>();
  return {
    on<K extends HookName>(name: K, handler: HookHandler<K>): void {
      const list = handlers.get(name) ?? [];
      list.push(handler as HookHandler<HookName>);
      handlers.set(name, list);
    },
    /** Runs before-hooks; the first throw propagates. */
    async before<K extends HookName>(name: K, payload: HookEvents[K], repos: StoreRepositories): Promise<void> {
      for (const handler of handlers.get(name) ?? []) await handler(payload, repos);
    },
    /** Runs after-hooks (call after the commit); failures are logged and swallowed. */
    async after<K extends HookName>(name: K, payload: HookEvents[K], repos: StoreRepositories): Promise<void> {
      for (const handler of handlers.get(name) ?? []) {
        try {
          await handler(payload, repos);
        } catch (error) {
          logger.error("after-hook failed", { hook: name, error });
        }
      }
    },
  };
}

export type HookBus = ReturnType<typeof createHookBus>;
