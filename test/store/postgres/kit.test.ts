// The store kit a plugin builds its own store with: the error guard, conflict codes by constraint name, and one
// built store per repos object (per store, per transaction).
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { users } from "../../../src/schema/users.js";
import { countHitOnConflict, defineStore, mapRow, rowsOf, runStatement, type StorePort } from "../../../src/store/kit.js";
import { fixedNow, rejectionOf, seedUser, useSeededStore } from "../../support/store.js";

const s = useSeededStore();

/** A plugin-like store over the core users table, whose live-email index stands in for a plugin's own constraint. */
const accounts = defineStore(
  {
    conflicts: {
      authsome_users_email_live_uq: "account_exists",
      authsome_users_username_live_uq: { code: "handle_taken", message: "This handle is already in use" },
    },
  },
  function accountQueries({ db }: StorePort) {
    return {
      async insert(email: string, username = ""): Promise<string> {
        const [row] = await db.insert(users).values({ appId: s.tenant.app.id, envId: s.tenant.env.id, email, username }).returning({ id: users.id });
        return row!.id;
      },
      async leakyLookup(secret: string): Promise<unknown> {
        return db.execute(sql`SELECT * FROM authsome_no_such_table WHERE email = ${secret}`);
      },
      async throwsSynchronously(): Promise<never> {
        throw new Error("not a promise rejection");
      },
    };
  },
);

describe("defineStore: conflicts by constraint name", () => {
  it("maps a unique violation of a listed constraint to the plugin's code, keeping the constraint for code", async () => {
    const taken = await seedUser(s.store, s.tenant);
    const err = await rejectionOf(accounts(s.store).insert(taken.email));
    expect(err).toMatchObject({
      name: "ConflictError",
      code: "account_exists",
      message: "A record with these values already exists",
      details: { constraint: "authsome_users_email_live_uq" },
    });
    expect(err.message).not.toContain(taken.email);
    expect(JSON.stringify({ details: err.details })).toBe("{}"); // never on the wire
  });

  it("uses the message given with a code", async () => {
    const taken = await seedUser(s.store, s.tenant, { username: `handle-${Date.now()}` });
    const err = await rejectionOf(accounts(s.store).insert(`other-${Date.now()}@example.com`, taken.username));
    expect(err).toMatchObject({ name: "ConflictError", code: "handle_taken", message: "This handle is already in use" });
  });

  it("leaves the store's own code for a constraint the plugin did not list", async () => {
    const plain = defineStore({}, ({ db }) => ({
      async insert(email: string): Promise<void> {
        await db.insert(users).values({ appId: s.tenant.app.id, envId: s.tenant.env.id, email });
      },
    }));
    const taken = await seedUser(s.store, s.tenant);
    expect(await rejectionOf(plain(s.store).insert(taken.email))).toMatchObject({ name: "ConflictError", code: "email_taken" });
  });

  it("refuses a conflict code that is not snake_case when the store is defined", () => {
    expect(() => defineStore({ conflicts: { some_uq: "Not A Code" } }, () => ({}))).toThrow(expect.objectContaining({ code: "invalid_config" }));
  });
});

describe("defineStore: errors", () => {
  it("never lets a driver error, its SQL or its bound parameters escape", async () => {
    const err = await rejectionOf(accounts(s.store).leakyLookup("secret-address@example.com"));
    expect(err).toMatchObject({ name: "AuthsomeError", code: "internal_error", message: "Database operation failed" });
    expect(err.message).not.toMatch(/secret-address|authsome_no_such_table|SELECT/);
    expect(err.cause).toBeDefined(); // kept for the logger only
  });

  it("maps what a query throws synchronously too, as a rejection", async () => {
    const outcome = accounts(s.store).throwsSynchronously();
    expect(outcome).toBeInstanceOf(Promise);
    expect(await rejectionOf(outcome)).toMatchObject({ code: "internal_error" });
  });

  it("maps a failure inside a transaction the same way, and rolls the transaction back", async () => {
    const email = `tx-kit-${Date.now()}@example.com`;
    const err = await rejectionOf(
      s.store.transaction(async (tx) => {
        await accounts(tx).insert(email);
        await accounts(tx).insert(email);
      }),
    );
    expect(err).toMatchObject({ code: "account_exists" });
    expect(await s.store.users.findByEmail({ appId: s.tenant.app.id, envId: s.tenant.env.id }, email)).toBeNull();
  });
});

describe("defineStore: built once per repos", () => {
  it("returns the same queries for the same repos, built once, not per call", async () => {
    let built = 0;
    const counted = defineStore({}, () => {
      built += 1;
      return { async ping(): Promise<number> { return built; } };
    });
    const first = counted(s.store);
    expect(counted(s.store)).toBe(first);
    await counted(s.store).ping();
    expect(built).toBe(1);
    await s.store.transaction(async (tx) => {
      expect(counted(tx)).toBe(counted(tx));
      expect(counted(tx)).not.toBe(first);
    });
    expect(built).toBe(2);
  });

  it("builds another for a transaction, bound to it, and reuses it within the transaction", async () => {
    const outside = accounts(s.store);
    const email = `tx-bound-${Date.now()}@example.com`;
    await s.store.transaction(async (tx) => {
      const inside = accounts(tx);
      expect(inside).not.toBe(outside);
      expect(accounts(tx)).toBe(inside);
      await inside.insert(email);
      // Visible inside the transaction, through the transaction's own sub-stores.
      expect(await tx.users.findByEmail({ appId: s.tenant.app.id, envId: s.tenant.env.id }, email)).not.toBeNull();
    });
    expect(await s.store.users.findByEmail({ appId: s.tenant.app.id, envId: s.tenant.env.id }, email)).not.toBeNull();
  });
});

describe("the rest of the kit", () => {
  it("runs a named statement on the repos, maps its raw rows, and counts hits with the rate-limit upsert", async () => {
    const user = await seedUser(s.store, s.tenant);
    const byId = { name: "kit_test_user_by_id", text: "SELECT * FROM authsome_users WHERE id = $1" };
    const [row] = await runStatement(s.store, byId, [user.id]);
    expect(mapRow(users, row as Record<string, unknown>)).toEqual(user);
    const hit = {
      name: "kit_test_hit",
      text: `INSERT INTO authsome_rate_limits (key, hits, window_started_at, expires_at) VALUES ($1, 1, $2, $3)
        ${countHitOnConflict} RETURNING hits`,
    };
    const until = new Date(fixedNow.getTime() + 60_000);
    for (const expected of [1, 2]) expect((await runStatement(s.store, hit, [`kit:${user.id}`, fixedNow, until]))[0]?.hits).toBe(expected);
    expect(rowsOf(await s.store.db.execute(sql`SELECT 1 AS one`))).toEqual([{ one: 1 }]);
  });
});
