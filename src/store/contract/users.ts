import type { Stamped } from "./stamped.js";
import type { users } from "../../schema/users.js";
import type { Page, PageRequest } from "./pages.js";
import type { TenantScope } from "./tenant.js";

export type User = typeof users.$inferSelect;
export type NewUser = Omit<typeof users.$inferInsert, "createdAt" | "updatedAt" | "deletedAt"> & Stamped;
export type UserPatch = Partial<
  Pick<
    User,
    | "email"
    | "emailVerified"
    | "firstName"
    | "lastName"
    | "image"
    | "username"
    | "displayUsername"
    | "phone"
    | "phoneVerified"
    | "banned"
    | "banReason"
    | "banExpires"
    | "metadata"
  >
>;

/** What `users.list` narrows to, beyond the tenant. */
export interface UserFilter {
  /** A substring of the (normalised) email, matched literally. */
  emailContains?: string;
}

/** Users of one app environment; soft-deleted users are invisible to every method. */
export interface UsersStore {
  /** @throws ConflictError `email_taken` | `username_taken`; ValidationError `invalid_reference` (app/env). */
  create(input: NewUser): Promise<User>;
  findById(scope: TenantScope, id: string): Promise<User | null>;
  /**
   * `findById`, locking the row until the transaction ends (call it on a transaction's repos): what serialises
   * changes that must see each other, such as two removals of a user's ways in.
   */
  findByIdForUpdate(scope: TenantScope, id: string): Promise<User | null>;
  /** Email is matched normalised (trimmed, lower-cased). */
  findByEmail(scope: TenantScope, email: string): Promise<User | null>;
  findByUsername(scope: TenantScope, username: string): Promise<User | null>;
  /** @throws NotFoundError when the tenant has no live user with this id; ConflictError as `create`. */
  update(scope: TenantScope, id: string, patch: UserPatch, now: Date): Promise<User>;
  /** Sets `deleted_at`; the email and username become free again. @throws NotFoundError */
  softDelete(scope: TenantScope, id: string, now: Date): Promise<void>;
  /** Live users of the tenant, newest first. */
  list(scope: TenantScope, filter?: UserFilter, page?: PageRequest): Promise<Page<User>>;
}
