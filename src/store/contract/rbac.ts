import type { Stamped } from "./stamped.js";
import type { rolePermissions, roles, userRoles } from "../../schema/rbac.js";
import type { TenantScope } from "./tenant.js";

export type Role = typeof roles.$inferSelect;
export type NewRole = Omit<typeof roles.$inferInsert, "createdAt" | "updatedAt"> & Stamped;
export type RolePatch = Partial<Pick<Role, "name" | "slug" | "description" | "parentId">>;
export type RolePermission = typeof rolePermissions.$inferSelect;
export type UserRole = typeof userRoles.$inferSelect;

/** A role held by a user: app-wide (`orgId` null) or within one organization. */
export interface RoleAssignment {
  userId: string;
  roleId: string;
  orgId?: string | null;
}

export interface PermissionCheck {
  userId: string;
  action: string;
  resource: string;
  /** When given, roles assigned within this organization count too; app-wide roles always count. */
  orgId?: string | null;
}

/**
 * Roles, their permissions and their holders. The lists are arrays, not pages (`listAll…`): a tenant's roles are
 * configured by hand and number in the tens, and a role's permissions and a user's roles fewer still.
 */
export interface RolesStore {
  /** @throws ConflictError `slug_taken`; ValidationError `invalid_parent` (other app/env, or a cycle). */
  create(input: NewRole): Promise<Role>;
  findById(scope: TenantScope, id: string): Promise<Role | null>;
  findBySlug(scope: TenantScope, slug: string): Promise<Role | null>;
  /** The tenant's roles, oldest first. */
  listAll(scope: TenantScope): Promise<Role[]>;
  /** @throws NotFoundError; ConflictError `slug_taken`; ValidationError `invalid_parent`. */
  update(scope: TenantScope, id: string, patch: RolePatch, now: Date): Promise<Role>;
  /** @throws NotFoundError */
  delete(scope: TenantScope, id: string): Promise<void>;
  /** Idempotent: granting an existing permission returns it. @throws ValidationError `invalid_reference` (role). */
  grant(roleId: string, action: string, resource: string): Promise<RolePermission>;
  /** Returns whether it was granted. */
  revoke(roleId: string, action: string, resource: string): Promise<boolean>;
  /** The role's permissions, oldest first. */
  listAllPermissions(roleId: string): Promise<RolePermission[]>;
  /** Idempotent. The user, role and organization must all belong to `scope`.
   *  @throws ValidationError `invalid_reference` for an unknown one or one of another tenant. */
  assign(scope: TenantScope, assignment: RoleAssignment, now: Date): Promise<UserRole>;
  /** Returns whether the assignment existed. */
  unassign(assignment: RoleAssignment): Promise<boolean>;
  /** Assignments of a user, oldest first: app-wide ones, plus those in `orgId` when given. */
  listAllForUser(userId: string, orgId?: string | null): Promise<Array<UserRole & { role: Role }>>;
  /**
   * One recursive query: does any role the user holds (app-wide, or within `orgId`), or any ancestor of such a
   * role, grant `action` on `resource`? `*` as a granted action or resource matches anything.
   */
  hasPermission(check: PermissionCheck): Promise<boolean>;
}
