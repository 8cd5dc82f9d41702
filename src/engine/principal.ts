import type { SessionWithUser, User } from "../store/contract/index.js";

/**
 * Who a request authenticated as, by kind. A plugin that adds a way to authenticate (an API key, …) adds its kind by
 * declaration merging:
 *
 * ```ts
 * declare module "authsome/plugin" {
 *   interface PrincipalKinds { api_key: { key: ApiKey; user: User } }
 * }
 * ```
 * Every kind carries the `user` it acts for (what `requirePermission` checks).
 */
export interface PrincipalKinds {
  session: SessionWithUser;
}

/** `c.get("auth")` on an authenticated route: `{ kind: "session", session, user }`, or a plugin's kind. */
export type Principal = { [K in keyof PrincipalKinds]: { kind: K } & PrincipalKinds[K] & { user: User } }[keyof PrincipalKinds];

export type SessionPrincipal = Extract<Principal, { kind: "session" }>;
