import { and, eq, isNull, sql } from "drizzle-orm";
import { NotFoundError } from "../../errors.js";
import type { AnyPgDatabase } from "../../migrate/runner.js";
import { users } from "../../schema/users.js";
import type { NewUser, Page, PageRequest, User, UserPatch, UsersStore } from "../contract.js";
import { allOf, escapeLike, keyset, toPage } from "./pagination.js";

/** Emails are compared and stored trimmed and lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

const live = isNull(users.deletedAt);

export class PgUsersStore implements UsersStore {
  constructor(private readonly db: AnyPgDatabase) {}

  async create(input: NewUser): Promise<User> {
    const [row] = await this.db
      .insert(users)
      .values({ ...input, email: normalizeEmail(input.email), username: input.username?.trim() ?? "" })
      .returning();
    return row as User;
  }

  async findById(id: string): Promise<User | null> {
    const [row] = await this.db.select().from(users).where(and(eq(users.id, id), live)).limit(1);
    return row ?? null;
  }

  async findByEmail(appId: string, envId: string, email: string): Promise<User | null> {
    const [row] = await this.db
      .select()
      .from(users)
      .where(and(eq(users.appId, appId), eq(users.envId, envId), eq(users.email, normalizeEmail(email)), live))
      .limit(1);
    return row ?? null;
  }

  async findByUsername(appId: string, envId: string, username: string): Promise<User | null> {
    const name = username.trim();
    if (name === "") return null; // '' means "no username", never a match
    const [row] = await this.db
      .select()
      .from(users)
      .where(and(eq(users.appId, appId), eq(users.envId, envId), eq(users.username, name), live))
      .limit(1);
    return row ?? null;
  }

  async update(id: string, patch: UserPatch): Promise<User> {
    const values: UserPatch & { updatedAt: Date } = { ...patch, updatedAt: new Date() };
    if (patch.email !== undefined) values.email = normalizeEmail(patch.email);
    if (patch.username !== undefined) values.username = patch.username.trim();
    const [row] = await this.db.update(users).set(values).where(and(eq(users.id, id), live)).returning();
    if (!row) throw new NotFoundError("not_found", "User not found");
    return row;
  }

  async softDelete(id: string, now: Date): Promise<void> {
    const rows = await this.db
      .update(users)
      .set({ deletedAt: now, updatedAt: now })
      .where(and(eq(users.id, id), live))
      .returning({ id: users.id });
    if (rows.length === 0) throw new NotFoundError("not_found", "User not found");
  }

  async list(query: { appId: string; envId: string; emailContains?: string } & PageRequest): Promise<Page<User>> {
    const page = keyset(users.id, query);
    const emailFilter = query.emailContains
      ? sql`${users.email} LIKE ${`%${escapeLike(normalizeEmail(query.emailContains))}%`}`
      : undefined;
    const rows = await this.db
      .select()
      .from(users)
      .where(allOf(eq(users.appId, query.appId), eq(users.envId, query.envId), live, emailFilter, page.after))
      .orderBy(page.orderBy)
      .limit(page.limit + 1);
    return toPage(rows, page.limit);
  }
}
