import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { organizations } from "../../../src/schema/organizations.js";
import type { Role, User } from "../../../src/store/contract/index.js";
import { isPostgres, pgliteSkipReason } from "../../support/database.js";
import { createTestStore, fixedNow, rejectionOf, scopeOf, seedTenant, seedUser, type Tenant, type TestStore } from "../../support/store.js";

let s: TestStore;
let tenant: Tenant;

beforeAll(async () => {
  s = await createTestStore();
  tenant = await seedTenant(s.store);
});
afterAll(() => s.t.drop());

const unknownRoleId = "arol_01h455vb4pex5vsknk084sn02q";
let counter = 0;

function createRole(parentId: string | null = null, where: Tenant = tenant): Promise<Role> {
  counter += 1;
  return s.store.roles.create({ appId: where.app.id, envId: where.env.id, name: `Role ${counter}`, slug: `role-${counter}`, parentId });
}

async function createOrg(where: Tenant = tenant): Promise<string> {
  counter += 1;
  const [org] = await s.t.db
    .insert(organizations)
    .values({ appId: where.app.id, envId: where.env.id, name: `Org ${counter}`, slug: `org-${counter}` })
    .returning();
  return org!.id;
}

const now = fixedNow;

/** Assigns within the file's tenant, at `now`. */
function assign(userId: string, roleId: string, orgId?: string | null) {
  return s.store.roles.assign(scopeOf(tenant), { userId, roleId, orgId }, now);
}

function unassign(userId: string, roleId: string, orgId?: string | null) {
  return s.store.roles.unassign({ userId, roleId, orgId });
}

function can(user: User, action: string, resource: string, orgId?: string | null): Promise<boolean> {
  return s.store.roles.hasPermission({ userId: user.id, action, resource, orgId });
}

describe("roles store: roles", () => {
  it("creates a role with a TypeID and finds it by id and by slug", async () => {
    const role = await s.store.roles.create({
      appId: tenant.app.id,
      envId: tenant.env.id,
      name: "Editor",
      slug: "editor",
      description: "edits documents",
    });
    expect(role.id).toMatch(/^arol_[0-9a-z]{26}$/);
    expect(role).toMatchObject({ name: "Editor", slug: "editor", description: "edits documents", parentId: null });
    expect(await s.store.roles.findById(scopeOf(tenant), role.id)).toEqual(role);
    expect(await s.store.roles.findBySlug(scopeOf(tenant), "editor")).toEqual(role);
    expect(await s.store.roles.findById(scopeOf(tenant), unknownRoleId)).toBeNull();
  });

  it("scopes slugs to one app and environment", async () => {
    const staging = await s.store.environments.create({ appId: tenant.app.id, name: "Staging", slug: "staging", type: "staging" });
    await s.store.roles.create({ appId: tenant.app.id, envId: tenant.env.id, name: "Viewer", slug: "viewer" });
    expect(await s.store.roles.findBySlug({ appId: tenant.app.id, envId: staging.id }, "viewer")).toBeNull();
    const inStaging = await s.store.roles.create({ appId: tenant.app.id, envId: staging.id, name: "Viewer", slug: "viewer" });
    expect((await s.store.roles.findBySlug({ appId: tenant.app.id, envId: staging.id }, "viewer"))?.id).toBe(inStaging.id);
  });

  it("maps a duplicate slug in one app environment to ConflictError slug_taken, on create and on update", async () => {
    const taken = await createRole();
    const onCreate = await rejectionOf(
      s.store.roles.create({ appId: tenant.app.id, envId: tenant.env.id, name: "Copy", slug: taken.slug }),
    );
    expect(onCreate.name).toBe("ConflictError");
    expect(onCreate.code).toBe("slug_taken");
    const other = await createRole();
    expect((await rejectionOf(s.store.roles.update(scopeOf(tenant), other.id, { slug: taken.slug }, now))).code).toBe("slug_taken");
  });

  it("lists the roles of one app environment, oldest first", async () => {
    const own = await seedTenant(s.store);
    const created = [await createRole(null, own), await createRole(null, own), await createRole(null, own)];
    await createRole();
    expect((await s.store.roles.listAll(scopeOf(own))).map((role) => role.id)).toEqual(created.map((role) => role.id));
  });

  it("persists an update with updated_at at the caller's now", async () => {
    const role = await createRole();
    const parent = await createRole();
    const updated = await s.store.roles.update(scopeOf(tenant), role.id, { name: "Renamed", description: "new text", parentId: parent.id }, now);
    expect(updated).toMatchObject({ id: role.id, name: "Renamed", description: "new text", parentId: parent.id });
    expect(updated.updatedAt).toEqual(now);
    expect(await s.store.roles.findById(scopeOf(tenant), role.id)).toEqual(updated);
    expect((await s.store.roles.update(scopeOf(tenant), role.id, { parentId: null }, now)).parentId).toBeNull();
  });

  it("throws NotFoundError when updating a role that does not exist, with or without a new parent", async () => {
    const parent = await createRole();
    expect((await rejectionOf(s.store.roles.update(scopeOf(tenant), unknownRoleId, { name: "Ghost" }, now))).code).toBe("not_found");
    const reparent = await rejectionOf(s.store.roles.update(scopeOf(tenant), unknownRoleId, { parentId: parent.id }, now));
    expect(reparent.name).toBe("NotFoundError");
    expect(reparent.code).toBe("not_found");
  });

  it("deletes a role, then refuses a second delete with NotFoundError", async () => {
    const role = await createRole();
    await s.store.roles.delete(scopeOf(tenant), role.id);
    expect(await s.store.roles.findById(scopeOf(tenant), role.id)).toBeNull();
    const again = await rejectionOf(s.store.roles.delete(scopeOf(tenant), role.id));
    expect(again.name).toBe("NotFoundError");
    expect(again.code).toBe("not_found");
  });

  it("treats another tenant's role as missing: not found, not updated, not deleted", async () => {
    const other = await seedTenant(s.store);
    const theirs = await createRole(null, other);
    expect(await s.store.roles.findById(scopeOf(tenant), theirs.id)).toBeNull();
    expect(await s.store.roles.findBySlug(scopeOf(tenant), theirs.slug)).toBeNull();
    expect((await rejectionOf(s.store.roles.update(scopeOf(tenant), theirs.id, { name: "Mine" }, now))).code).toBe("not_found");
    expect((await rejectionOf(s.store.roles.update(scopeOf(tenant), theirs.id, { parentId: (await createRole()).id }, now))).code).toBe("not_found");
    expect((await rejectionOf(s.store.roles.delete(scopeOf(tenant), theirs.id))).code).toBe("not_found");
    expect(await s.store.roles.findById(scopeOf(other), theirs.id)).toEqual(theirs);
  });

  it("keeps the children of a deleted role, without a parent", async () => {
    const parent = await createRole();
    const child = await createRole(parent.id);
    await s.store.roles.delete(scopeOf(tenant), parent.id);
    expect((await s.store.roles.findById(scopeOf(tenant), child.id))?.parentId).toBeNull();
  });
});

describe("roles store: parent validation", () => {
  it("refuses a parent from another app with ValidationError invalid_parent", async () => {
    const foreign = await createRole(null, await seedTenant(s.store));
    const error = await rejectionOf(createRole(foreign.id));
    expect(error.name).toBe("ValidationError");
    expect(error.code).toBe("invalid_parent");
    const role = await createRole();
    expect((await rejectionOf(s.store.roles.update(scopeOf(tenant), role.id, { parentId: foreign.id }, now))).code).toBe("invalid_parent");
  });

  it("refuses a parent from another environment of the same app", async () => {
    const preview = await s.store.environments.create({ appId: tenant.app.id, name: "Preview", slug: "preview", type: "development" });
    const foreign = await createRole(null, { app: tenant.app, env: preview });
    expect((await rejectionOf(createRole(foreign.id))).code).toBe("invalid_parent");
  });

  it("refuses a parent that does not exist", async () => {
    expect((await rejectionOf(createRole(unknownRoleId))).code).toBe("invalid_parent");
  });

  it("refuses to make a role its own parent", async () => {
    const role = await createRole();
    const error = await rejectionOf(s.store.roles.update(scopeOf(tenant), role.id, { parentId: role.id }, now));
    expect(error.code).toBe("invalid_parent");
    expect((await s.store.roles.findById(scopeOf(tenant), role.id))?.parentId).toBeNull();
  });

  it("refuses to put a role under one of its descendants, which would close a cycle", async () => {
    const root = await createRole();
    const child = await createRole(root.id);
    const grandchild = await createRole(child.id);
    expect((await rejectionOf(s.store.roles.update(scopeOf(tenant), root.id, { parentId: child.id }, now))).code).toBe("invalid_parent");
    expect((await rejectionOf(s.store.roles.update(scopeOf(tenant), root.id, { parentId: grandchild.id }, now))).code).toBe("invalid_parent");
    expect((await s.store.roles.findById(scopeOf(tenant), root.id))?.parentId).toBeNull();
  });

  it("accepts moving a role under a sibling branch", async () => {
    const root = await createRole();
    const left = await createRole(root.id);
    const right = await createRole(root.id);
    expect((await s.store.roles.update(scopeOf(tenant), right.id, { parentId: left.id }, now)).parentId).toBe(left.id);
  });
});

describe("roles store: permissions", () => {
  it("grants a permission idempotently: granting it again returns the same grant", async () => {
    const role = await createRole();
    const first = await s.store.roles.grant(role.id, "read", "document");
    expect(first.id).toMatch(/^aprm_[0-9a-z]{26}$/);
    expect(first).toMatchObject({ roleId: role.id, action: "read", resource: "document" });
    const again = await s.store.roles.grant(role.id, "read", "document");
    expect(again).toEqual(first);
    expect(await s.store.roles.listAllPermissions(role.id)).toEqual([first]);
  });

  it("lists a role's permissions in grant order", async () => {
    const role = await createRole();
    const granted = [
      await s.store.roles.grant(role.id, "read", "document"),
      await s.store.roles.grant(role.id, "write", "document"),
      await s.store.roles.grant(role.id, "*", "user"),
    ];
    expect(await s.store.roles.listAllPermissions(role.id)).toEqual(granted);
  });

  it("revokes a permission and reports whether it was granted", async () => {
    const role = await createRole();
    await s.store.roles.grant(role.id, "delete", "document");
    expect(await s.store.roles.revoke(role.id, "delete", "document")).toBe(true);
    expect(await s.store.roles.listAllPermissions(role.id)).toEqual([]);
    expect(await s.store.roles.revoke(role.id, "delete", "document")).toBe(false);
  });

  it("maps a grant to an unknown role to ValidationError invalid_reference", async () => {
    const error = await rejectionOf(s.store.roles.grant(unknownRoleId, "read", "document"));
    expect(error.name).toBe("ValidationError");
    expect(error.code).toBe("invalid_reference");
  });
});

describe("roles store: assignments", () => {
  it("assigns a role app-wide idempotently", async () => {
    const user = await seedUser(s.store, tenant);
    const role = await createRole();
    const first = await assign(user.id, role.id);
    expect(first.id).toMatch(/^aurl_[0-9a-z]{26}$/);
    expect(first).toMatchObject({ userId: user.id, roleId: role.id, orgId: null });
    expect(first.assignedAt).toEqual(now); // the caller's clock, not SQL now()
    expect(await assign(user.id, role.id, null)).toEqual(first);
    expect(await s.store.roles.listAllForUser(user.id)).toHaveLength(1);
  });

  it("assigns a role within an organization idempotently, beside the app-wide assignment", async () => {
    const user = await seedUser(s.store, tenant);
    const role = await createRole();
    const org = await createOrg();
    const appWide = await assign(user.id, role.id);
    const inOrg = await assign(user.id, role.id, org);
    expect(inOrg.orgId).toBe(org);
    expect(inOrg.id).not.toBe(appWide.id);
    expect(await assign(user.id, role.id, org)).toEqual(inOrg);
    expect(await s.store.roles.listAllForUser(user.id, org)).toHaveLength(2);
  });

  it("lists app-wide assignments without an org, and adds only that org's with one", async () => {
    const user = await seedUser(s.store, tenant);
    const [member, manager, auditor] = [await createRole(), await createRole(), await createRole()];
    const [orgA, orgB] = [await createOrg(), await createOrg()];
    await assign(user.id, member.id);
    await assign(user.id, manager.id, orgA);
    await assign(user.id, auditor.id, orgB);
    const roleIds = async (orgId?: string) => (await s.store.roles.listAllForUser(user.id, orgId)).map((a) => a.role.id);
    expect(await roleIds()).toEqual([member.id]);
    expect(await roleIds(orgA)).toEqual([member.id, manager.id]);
    expect(await roleIds(orgB)).toEqual([member.id, auditor.id]);
    const [withRole] = await s.store.roles.listAllForUser(user.id);
    expect(withRole).toMatchObject({ userId: user.id, roleId: member.id, orgId: null, role: { id: member.id, slug: member.slug } });
  });

  it("unassigns idempotently, reporting whether the assignment existed", async () => {
    const user = await seedUser(s.store, tenant);
    const role = await createRole();
    const org = await createOrg();
    await assign(user.id, role.id);
    await assign(user.id, role.id, org);
    expect(await unassign(user.id, role.id)).toBe(true);
    expect(await unassign(user.id, role.id)).toBe(false);
    expect((await s.store.roles.listAllForUser(user.id, org)).map((a) => a.orgId)).toEqual([org]);
    expect(await unassign(user.id, role.id, org)).toBe(true);
    expect(await unassign(user.id, role.id, org)).toBe(false);
    expect(await s.store.roles.listAllForUser(user.id, org)).toEqual([]);
  });

  it("refuses an unknown user, role or organization with ValidationError invalid_reference", async () => {
    const user = await seedUser(s.store, tenant);
    const role = await createRole();
    const unknownUser = await rejectionOf(assign("ausr_01h455vb4pex5vsknk084sn02q", role.id));
    expect(unknownUser.name).toBe("ValidationError");
    expect(unknownUser.code).toBe("invalid_reference");
    expect((await rejectionOf(assign(user.id, unknownRoleId))).code).toBe("invalid_reference");
    expect((await rejectionOf(assign(user.id, role.id, "aorg_01h455vb4pex5vsknk084sn02q"))).code).toBe(
      "invalid_reference",
    );
    expect(await s.store.roles.listAllForUser(user.id)).toEqual([]);
  });

  it("refuses to assign outside the scope: a user and role of another tenant are unknown there", async () => {
    const other = await seedTenant(s.store);
    const user = await seedUser(s.store, other);
    const role = await createRole(null, other);
    const outside = await rejectionOf(s.store.roles.assign(scopeOf(tenant), { userId: user.id, roleId: role.id }, now));
    expect(outside).toMatchObject({ name: "ValidationError", code: "invalid_reference" });
    expect(await s.store.roles.listAllForUser(user.id)).toEqual([]);
    expect((await s.store.roles.assign(scopeOf(other), { userId: user.id, roleId: role.id }, now)).userId).toBe(user.id);
  });

  it("refuses to assign a role or organization of another app to a user", async () => {
    const other = await seedTenant(s.store);
    const user = await seedUser(s.store, tenant);
    const foreignRole = await createRole(null, other);
    expect((await rejectionOf(assign(user.id, foreignRole.id))).code).toBe("invalid_reference");
    const role = await createRole();
    const foreignOrg = await createOrg(other);
    expect((await rejectionOf(assign(user.id, role.id, foreignOrg))).code).toBe("invalid_reference");
    expect(await s.store.roles.listAllForUser(user.id, foreignOrg)).toEqual([]);
  });
});

describe("roles store: hasPermission", () => {
  it("inherits through three levels: a grandparent's grant reaches the grandchild's holder, not the other way", async () => {
    const grandparent = await createRole();
    const parent = await createRole(grandparent.id);
    const child = await createRole(parent.id);
    await s.store.roles.grant(grandparent.id, "read", "report");
    await s.store.roles.grant(child.id, "approve", "report");
    const holder = await seedUser(s.store, tenant);
    const elder = await seedUser(s.store, tenant);
    await assign(holder.id, child.id);
    await assign(elder.id, grandparent.id);
    expect(await can(holder, "read", "report")).toBe(true);
    expect(await can(holder, "approve", "report")).toBe(true);
    expect(await can(elder, "read", "report")).toBe(true);
    expect(await can(elder, "approve", "report")).toBe(false);
  });

  it("matches a `*` action grant against any action on its resource only", async () => {
    const role = await createRole();
    await s.store.roles.grant(role.id, "*", "invoice");
    const user = await seedUser(s.store, tenant);
    await assign(user.id, role.id);
    expect(await can(user, "delete", "invoice")).toBe(true);
    expect(await can(user, "read", "invoice")).toBe(true);
    expect(await can(user, "read", "payroll")).toBe(false);
  });

  it("matches a `*` resource grant against any resource for its action only", async () => {
    const role = await createRole();
    await s.store.roles.grant(role.id, "read", "*");
    const user = await seedUser(s.store, tenant);
    await assign(user.id, role.id);
    expect(await can(user, "read", "anything")).toBe(true);
    expect(await can(user, "write", "anything")).toBe(false);
  });

  it("matches a `*` on `*` grant against everything", async () => {
    const role = await createRole();
    await s.store.roles.grant(role.id, "*", "*");
    const user = await seedUser(s.store, tenant);
    await assign(user.id, role.id);
    expect(await can(user, "delete", "everything")).toBe(true);
  });

  it("requires both the action and the resource to match", async () => {
    const role = await createRole();
    await s.store.roles.grant(role.id, "read", "document");
    const user = await seedUser(s.store, tenant);
    await assign(user.id, role.id);
    expect(await can(user, "read", "document")).toBe(true);
    expect(await can(user, "write", "document")).toBe(false);
    expect(await can(user, "read", "documents")).toBe(false);
  });

  it("counts an org-scoped role only within that org, and app-wide roles everywhere", async () => {
    const scoped = await createRole();
    const appWide = await createRole();
    await s.store.roles.grant(scoped.id, "manage", "billing");
    await s.store.roles.grant(appWide.id, "read", "profile");
    const [orgA, orgB] = [await createOrg(), await createOrg()];
    const user = await seedUser(s.store, tenant);
    await assign(user.id, scoped.id, orgA);
    await assign(user.id, appWide.id);
    expect(await can(user, "manage", "billing", orgA)).toBe(true);
    expect(await can(user, "manage", "billing", orgB)).toBe(false);
    expect(await can(user, "manage", "billing")).toBe(false);
    expect(await can(user, "manage", "billing", null)).toBe(false);
    expect(await can(user, "read", "profile")).toBe(true);
    expect(await can(user, "read", "profile", orgA)).toBe(true);
    expect(await can(user, "read", "profile", orgB)).toBe(true);
  });

  it("inherits through the parents of an org-scoped role within that org", async () => {
    const base = await createRole();
    const scoped = await createRole(base.id);
    await s.store.roles.grant(base.id, "comment", "issue");
    const org = await createOrg();
    const user = await seedUser(s.store, tenant);
    await assign(user.id, scoped.id, org);
    expect(await can(user, "comment", "issue", org)).toBe(true);
    expect(await can(user, "comment", "issue")).toBe(false);
  });

  it("denies a user who holds no roles", async () => {
    const role = await createRole();
    await s.store.roles.grant(role.id, "*", "*");
    const user = await seedUser(s.store, tenant);
    expect(await can(user, "read", "document")).toBe(false);
    expect(await s.store.roles.hasPermission({ userId: "ausr_01h455vb4pex5vsknk084sn02q", action: "read", resource: "document" })).toBe(
      false,
    );
  });

  it("stops granting once the role is unassigned or the permission revoked", async () => {
    const role = await createRole();
    await s.store.roles.grant(role.id, "read", "ledger");
    const user = await seedUser(s.store, tenant);
    await assign(user.id, role.id);
    expect(await can(user, "read", "ledger")).toBe(true);
    await unassign(user.id, role.id);
    expect(await can(user, "read", "ledger")).toBe(false);
    await assign(user.id, role.id);
    await s.store.roles.revoke(role.id, "read", "ledger");
    expect(await can(user, "read", "ledger")).toBe(false);
  });

  it("cuts inheritance when a parent role is deleted (parent_id SET NULL)", async () => {
    const grandparent = await createRole();
    const parent = await createRole(grandparent.id);
    const child = await createRole(parent.id);
    await s.store.roles.grant(grandparent.id, "export", "data");
    const user = await seedUser(s.store, tenant);
    await assign(user.id, child.id);
    expect(await can(user, "export", "data")).toBe(true);
    await s.store.roles.delete(scopeOf(tenant), parent.id);
    expect(await can(user, "export", "data")).toBe(false);
  });

  it("terminates on a parent cycle written behind the store's back", async () => {
    const a = await createRole();
    const b = await createRole(a.id);
    await s.t.query("UPDATE authsome_roles SET parent_id = $1 WHERE id = $2", [b.id, a.id]);
    await s.store.roles.grant(a.id, "read", "loop");
    const user = await seedUser(s.store, tenant);
    await assign(user.id, b.id);
    expect(await can(user, "read", "loop")).toBe(true);
    expect(await can(user, "write", "loop")).toBe(false);
  });
});

describe.skipIf(!isPostgres)(`roles store under concurrency (PostgreSQL; ${isPostgres ? "running" : pgliteSkipReason})`, () => {
  it("lets only one of two crossing re-parentings succeed, so they cannot close a cycle together", async () => {
    for (let round = 0; round < 5; round++) {
      const a = await createRole();
      const b = await createRole();
      const results = await Promise.allSettled([
        s.store.roles.update(scopeOf(tenant), a.id, { parentId: b.id }, now),
        s.store.roles.update(scopeOf(tenant), b.id, { parentId: a.id }, now),
      ]);
      const rejected = results.filter((result) => result.status === "rejected");
      expect(rejected).toHaveLength(1);
      expect((rejected[0] as PromiseRejectedResult).reason).toMatchObject({ code: "invalid_parent" });
    }
  });

  it("returns one assignment to concurrent identical assigns", async () => {
    const user = await seedUser(s.store, tenant);
    const role = await createRole();
    const results = await Promise.all(Array.from({ length: 8 }, () => assign(user.id, role.id)));
    expect(new Set(results.map((assignment) => assignment.id)).size).toBe(1);
    expect(await s.store.roles.listAllForUser(user.id)).toHaveLength(1);
  });
});
