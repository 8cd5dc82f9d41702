import { stampedAt } from "./stamps.js";
import { and, asc, eq, isNull, or, type SQL, sql } from "drizzle-orm";
import { AuthsomeError, NotFoundError, ValidationError } from "../../errors.js";
import type { AnyPgDatabase } from "../../migrate/runner.js";
import { environments } from "../../schema/apps.js";
import { organizations } from "../../schema/organizations.js";
import { rolePermissions, roles, userRoles } from "../../schema/rbac.js";
import { users } from "../../schema/users.js";
import type {
  NewRole,
  PermissionCheck,
  Role,
  RoleAssignment,
  RolePatch,
  RolePermission,
  RolesStore,
  TenantScope,
  UserRole,
} from "../contract/index.js";
import { rowsOf } from "./rows.js";
import { inScope } from "./scope.js";

/** Where a role lives, and (for an existing role) its id, against which a new parent is checked. */
interface ParentTarget {
  appId: string;
  envId: string;
  roleId: string | null;
}

/**
 * `INSERT … ON CONFLICT DO NOTHING` returns nothing when the row exists, and a separate SELECT then reads it. A
 * concurrent delete can remove that row between the two statements, so the pair is retried before giving up.
 */
async function insertOrFind<T>(
  insert: () => Promise<T | undefined>,
  find: () => Promise<T | undefined>,
  missing: () => Error,
): Promise<T> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const inserted = await insert();
    if (inserted) return inserted;
    const existing = await find();
    if (existing) return existing;
  }
  throw missing();
}

function permission(roleId: string, action: string, resource: string): SQL | undefined {
  return and(
    eq(rolePermissions.roleId, roleId),
    eq(rolePermissions.action, action),
    eq(rolePermissions.resource, resource),
  );
}

/** The tenant's role with this id. */
function tenantRole(scope: TenantScope, id: string): SQL | undefined {
  return and(eq(roles.id, id), inScope(roles, scope));
}

function sameOrg(orgId: string | null): SQL {
  return orgId === null ? isNull(userRoles.orgId) : eq(userRoles.orgId, orgId);
}

export class PgRolesStore implements RolesStore {
  constructor(private readonly db: AnyPgDatabase) {}

  async create(input: NewRole): Promise<Role> {
    // A role that does not exist yet cannot be anyone's ancestor, so only the parent's tenant needs checking; a
    // parent deleted meanwhile is caught by the foreign key (`invalid_reference`).
    if (input.parentId) {
      await assertValidParent(this.db, input.parentId, { appId: input.appId, envId: input.envId, roleId: null });
    }
    const [row] = await this.db.insert(roles).values({ ...input, ...stampedAt(input) }).returning();
    return row as Role;
  }

  async findById(scope: TenantScope, id: string): Promise<Role | null> {
    const [row] = await this.db.select().from(roles).where(tenantRole(scope, id)).limit(1);
    return row ?? null;
  }

  async findBySlug(scope: TenantScope, slug: string): Promise<Role | null> {
    const [row] = await this.db
      .select()
      .from(roles)
      .where(and(inScope(roles, scope), eq(roles.slug, slug)))
      .limit(1);
    return row ?? null;
  }

  async listAll(scope: TenantScope): Promise<Role[]> {
    return this.db
      .select()
      .from(roles)
      .where(and(inScope(roles, scope)))
      .orderBy(asc(roles.createdAt), asc(roles.id));
  }

  async update(scope: TenantScope, id: string, patch: RolePatch, now: Date): Promise<Role> {
    const parentId = patch.parentId;
    if (parentId === undefined || parentId === null) return applyPatch(this.db, scope, id, patch, now);
    return this.db.transaction(async (tx) => {
      const [role] = await tx.select().from(roles).where(tenantRole(scope, id)).limit(1);
      if (!role) throw new NotFoundError("not_found", "Role not found");
      // Re-parentings within one environment queue on its row: two concurrent moves (A under B, B under A) would
      // each pass the cycle check alone and close a loop together. NO KEY UPDATE leaves foreign-key checks unblocked.
      await tx
        .select({ id: environments.id })
        .from(environments)
        .where(eq(environments.id, role.envId))
        .for("no key update");
      await assertValidParent(tx, parentId, { appId: role.appId, envId: role.envId, roleId: role.id });
      return applyPatch(tx, scope, id, patch, now);
    });
  }

  async delete(scope: TenantScope, id: string): Promise<void> {
    // Permissions and assignments cascade; child roles keep existing with parent_id SET NULL (no inheritance).
    const rows = await this.db.delete(roles).where(tenantRole(scope, id)).returning({ id: roles.id });
    if (rows.length === 0) throw new NotFoundError("not_found", "Role not found");
  }

  async grant(roleId: string, action: string, resource: string): Promise<RolePermission> {
    const granted = permission(roleId, action, resource);
    return insertOrFind(
      async () => {
        const [row] = await this.db
          .insert(rolePermissions)
          .values({ roleId, action, resource })
          .onConflictDoNothing({ target: [rolePermissions.roleId, rolePermissions.action, rolePermissions.resource] })
          .returning();
        return row;
      },
      async () => (await this.db.select().from(rolePermissions).where(granted).limit(1))[0],
      () => new AuthsomeError("internal_error", "The permission was revoked while being granted"),
    );
  }

  async revoke(roleId: string, action: string, resource: string): Promise<boolean> {
    const rows = await this.db
      .delete(rolePermissions)
      .where(permission(roleId, action, resource))
      .returning({ id: rolePermissions.id });
    return rows.length > 0;
  }

  async listAllPermissions(roleId: string): Promise<RolePermission[]> {
    return this.db
      .select()
      .from(rolePermissions)
      .where(eq(rolePermissions.roleId, roleId))
      .orderBy(asc(rolePermissions.createdAt), asc(rolePermissions.id));
  }

  async assign(scope: TenantScope, { userId, roleId, orgId }: RoleAssignment, now: Date): Promise<UserRole> {
    const org = orgId ?? null;
    // One INSERT … SELECT that inserts only when the user, the role (and the organization) exist in the scope's app
    // and environment, so a role can never be handed to another tenant's user.
    const sameTenantOrg =
      org === null
        ? sql``
        : sql`AND EXISTS (SELECT 1 FROM ${organizations} o
            WHERE o.id = ${org} AND o.app_id = u.app_id AND o.env_id = u.env_id)`;
    // Each partial unique index is inferred only by naming its columns and predicate.
    const conflictTarget =
      org === null
        ? { target: [userRoles.userId, userRoles.roleId], where: sql.raw("org_id IS NULL") }
        : { target: [userRoles.userId, userRoles.roleId, userRoles.orgId], where: sql.raw("org_id IS NOT NULL") };
    const assignment = and(eq(userRoles.userId, userId), eq(userRoles.roleId, roleId), sameOrg(org));
    return insertOrFind(
      async () => {
        const [row] = await this.db
          .insert(userRoles)
          .select(
            // The id default lives in JavaScript ($defaultFn), which an INSERT … SELECT bypasses.
            sql`SELECT ${newUserRoleId()}, u.id, r.id, ${org}::text, ${now}::timestamptz
              FROM ${users} u JOIN ${roles} r ON r.app_id = u.app_id AND r.env_id = u.env_id
              WHERE u.id = ${userId} AND r.id = ${roleId} AND u.app_id = ${scope.appId} AND u.env_id = ${scope.envId}
                ${sameTenantOrg}`,
          )
          .onConflictDoNothing(conflictTarget)
          .returning();
        return row;
      },
      async () => (await this.db.select().from(userRoles).where(assignment).limit(1))[0],
      () =>
        new ValidationError(
          "invalid_reference",
          "The user, role or organization does not exist, or they belong to different apps or environments",
        ),
    );
  }

  async unassign({ userId, roleId, orgId }: RoleAssignment): Promise<boolean> {
    const rows = await this.db
      .delete(userRoles)
      .where(and(eq(userRoles.userId, userId), eq(userRoles.roleId, roleId), sameOrg(orgId ?? null)))
      .returning({ id: userRoles.id });
    return rows.length > 0;
  }

  async listAllForUser(userId: string, orgId: string | null = null): Promise<Array<UserRole & { role: Role }>> {
    const scope = orgId ? or(isNull(userRoles.orgId), eq(userRoles.orgId, orgId)) : isNull(userRoles.orgId);
    const rows = await this.db
      .select({ assignment: userRoles, role: roles })
      .from(userRoles)
      .innerJoin(roles, eq(roles.id, userRoles.roleId))
      .where(and(eq(userRoles.userId, userId), scope))
      .orderBy(asc(userRoles.assignedAt), asc(userRoles.id));
    return rows.map(({ assignment, role }) => ({ ...assignment, role }));
  }

  async hasPermission(check: PermissionCheck): Promise<boolean> {
    // `held` starts from the user's assignments (app-wide always, org-scoped only for this org; `= NULL` matches
    // nothing) and climbs parent_id. UNION, not UNION ALL, drops rows already seen, so even a cycle in the data
    // ends the recursion.
    const result = await this.db.execute(sql`
      WITH RECURSIVE held (role_id) AS (
        SELECT ur.role_id FROM ${userRoles} ur
        WHERE ur.user_id = ${check.userId} AND (ur.org_id IS NULL OR ur.org_id = ${check.orgId ?? null}::text)
        UNION
        SELECT r.parent_id FROM ${roles} r JOIN held h ON r.id = h.role_id WHERE r.parent_id IS NOT NULL
      )
      SELECT EXISTS (
        SELECT 1 FROM ${rolePermissions} p JOIN held h ON h.role_id = p.role_id
        WHERE p.action IN (${check.action}, '*') AND p.resource IN (${check.resource}, '*')
      ) AS allowed`);
    return rowsOf(result)[0]?.allowed === true;
  }
}

function newUserRoleId(): string {
  const id = userRoles.id.defaultFn?.();
  if (typeof id !== "string") throw new AuthsomeError("internal_error", "authsome_user_roles.id has no id default");
  return id;
}

async function applyPatch(db: AnyPgDatabase, scope: TenantScope, id: string, patch: RolePatch, now: Date): Promise<Role> {
  const [row] = await db
    .update(roles)
    .set({ ...patch, updatedAt: now })
    .where(tenantRole(scope, id))
    .returning();
  if (!row) throw new NotFoundError("not_found", "Role not found");
  return row;
}

/**
 * The parent must be a role of the same app and environment, and must not be the role itself or one of its
 * descendants: walking up from the parent must never reach the role. One recursive query answers both.
 */
async function assertValidParent(db: AnyPgDatabase, parentId: string, target: ParentTarget): Promise<void> {
  const result = await db.execute(sql`
    WITH RECURSIVE ancestors (id, parent_id) AS (
      SELECT id, parent_id FROM ${roles}
      WHERE id = ${parentId} AND app_id = ${target.appId} AND env_id = ${target.envId}
      UNION
      SELECT r.id, r.parent_id FROM ${roles} r JOIN ancestors a ON r.id = a.parent_id
    )
    SELECT
      EXISTS (SELECT 1 FROM ancestors) AS parent_found,
      EXISTS (SELECT 1 FROM ancestors WHERE id = ${target.roleId}::text) AS closes_cycle`);
  const row = rowsOf(result)[0];
  if (row?.parent_found !== true) {
    throw new ValidationError("invalid_parent", "The parent role does not exist in this app and environment");
  }
  if (row.closes_cycle === true) {
    throw new ValidationError("invalid_parent", "A role cannot be its own ancestor");
  }
}
