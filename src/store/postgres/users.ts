import { and, eq, isNull, sql } from "drizzle-orm";
import { NotFoundError } from "../../errors.js";
import type { AnyPgDatabase } from "../../migrate/runner.js";
import { users } from "../../schema/users.js";
import type { NewUser, Page, PageRequest, TenantScope, User, UserFilter, UserPatch, UsersStore } from "../contract/index.js";
import { allOf, escapeLike, keyset, toPage } from "./pagination.js";

/** Emails are compared and stored trimmed and lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

const live = isNull(users.deletedAt);

/** The tenant's live user with this id. */
function tenantUser(scope: TenantScope, id: string) {
  return and(eq(users.id, id), inScope(users, scope), live);
}

import { stampedAt } from "./stamps.js";
import { inScope } from "./scope.js";

export class PgUsersStore implements UsersStore {
  constructor(private readonly db: AnyPgDatabase) {}

  async create(input: NewUser): Promise<User> {
    const [row] = await this.db
      .insert(users)
      .values({ ...input, ...stampedAt(input), email: normalizeEmail(input.email), username: input.username?.trim() ?? "" })
      .returning();
    return row as User;
  }

  async findById(scope: TenantScope, id: string): Promise<User | null> {
    const [row] = await this.db.select().from(users).where(tenantUser(scope, id)).limit(1);
    return row ?? null;
  }

  async findByIdForUpdate(scope: TenantScope, id: string): Promise<User | null> {
    const [row] = await this.db.select().from(users).where(tenantUser(scope, id)).limit(1).for("update");
    return row ?? null;
  }

  async findByEmail(scope: TenantScope, email: string): Promise<User | null> {
    const [row] = await this.db
      .select()
      .from(users)
      .where(and(inScope(users, scope), eq(users.email, normalizeEmail(email)), live))
      .limit(1);
    return row ?? null;
  }

  async findByUsername(scope: TenantScope, username: string): Promise<User | null> {
    const name = username.trim();
    if (name === "") return null; // '' means "no username", never a match
    const [row] = await this.db
      .select()
      .from(users)
      .where(and(inScope(users, scope), eq(users.username, name), live))
      .limit(1);
    return row ?? null;
  }

  async update(scope: TenantScope, id: string, patch: UserPatch, now: Date): Promise<User> {
    const values: UserPatch & { updatedAt: Date } = { ...patch, updatedAt: now };
    if (patch.email !== undefined) values.email = normalizeEmail(patch.email);
    if (patch.username !== undefined) values.username = patch.username.trim();
    const [row] = await this.db.update(users).set(values).where(tenantUser(scope, id)).returning();
    if (!row) throw new NotFoundError("not_found", "User not found");
    return row;
  }

  async softDelete(scope: TenantScope, id: string, now: Date): Promise<void> {
    const rows = await this.db
      .update(users)
      .set({ deletedAt: now, updatedAt: now })
      .where(tenantUser(scope, id))
      .returning({ id: users.id });
    if (rows.length === 0) throw new NotFoundError("not_found", "User not found");
  }

  async list(scope: TenantScope, filter: UserFilter = {}, request?: PageRequest): Promise<Page<User>> {
    const page = keyset(users.id, request);
    const emailFilter = filter.emailContains
      ? sql`${users.email} LIKE ${`%${escapeLike(normalizeEmail(filter.emailContains))}%`}`
      : undefined;
    const rows = await this.db
      .select()
      .from(users)
      .where(allOf(inScope(users, scope), live, emailFilter, page.after))
      .orderBy(page.orderBy)
      .limit(page.limit + 1);
    return toPage(rows, page.limit);
  }
}
