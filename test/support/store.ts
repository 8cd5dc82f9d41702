// A migrated test database with a PostgresStore over it, and fixtures for the conformance suite.
import { createEvents } from "../../src/engine/events.js";
import type { ResolvedConfig } from "../../src/engine/config.js";
import { createSessionService, type SessionService } from "../../src/engine/services/sessions.js";
import type { Tenant as EngineTenant } from "../../src/engine/tenants.js";
import { afterAll, beforeAll } from "vitest";
import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { sessions, users } from "../../src/schema/index.js";
import type { App, Environment, NewUser, Session, StoreRepositories, TenantScope, User } from "../../src/store/contract/index.js";
import { postgresStore, type PostgresStore, type PostgresStoreOptions } from "../../src/store/postgres/store.js";
import { createTestDatabase, type TestDatabase, viaPgBouncer } from "./database.js";

export interface TestStore {
  t: TestDatabase;
  store: PostgresStore;
}

/**
 * The options a test store is made with: through PgBouncer (the pgbouncer project) `preparedStatements: false`, as
 * `pgbouncer=true` would set; elsewhere none (the defaults: prepared statements on).
 */
export const testStoreOptions: PostgresStoreOptions = viaPgBouncer ? { preparedStatements: false } : {};

/** A fresh database (see database.ts) with the core migrations applied, and a store over it. */
export async function createTestStore(): Promise<TestStore> {
  const t = await createTestDatabase();
  const store = postgresStore(t.db, testStoreOptions);
  await store.migrate();
  return { t, store };
}

export interface Tenant {
  app: App;
  env: Environment;
}

/**
 * The app and default environment an engine serves (as its `start()` ensured them), with a session service that
 * issues sessions there — for tests that need a session without going through a sign-in route.
 */
export async function servedTenant(store: StoreRepositories, config: ResolvedConfig): Promise<{ tenant: Tenant; sessions: SessionService }> {
  const app = await store.apps.findBySlug(config.appId);
  const env = app && (await store.environments.findDefaultByAppId(app.id));
  if (!app || !env) throw new Error("start() did not ensure the app and its default environment");
  const tenant = { app, env };
  return { tenant, sessions: createSessionService({ store, config, now: () => new Date(), tenant: servedAs(tenant, config), events: createEvents({ store, now: () => new Date(), tenant: servedAs(tenant, config) }) }) };
}

/** The engine's view of a seeded tenant (its session settings straight from `config`), for a session service. */
export function servedAs(tenant: Tenant, config: Pick<ResolvedConfig, "session">): () => EngineTenant {
  const session = { tokenTtlSeconds: config.session.tokenTtlSeconds, refreshTokenTtlSeconds: config.session.refreshTokenTtlSeconds, maxActiveSessions: null };
  return () => ({ ...tenant, session });
}

const unique = () => randomBytes(4).toString("hex");

/** The scope of a tenant (`{ app, env }`) or of a row that carries its own (`appId`, `envId`). */
export function scopeOf(of: Tenant | { appId: string; envId: string }): TenantScope {
  return "app" in of ? { appId: of.app.id, envId: of.env.id } : { appId: of.appId, envId: of.envId };
}

/**
 * A user read back by id alone, for tests that hold only an id (from a response body): the row's tenant is looked up
 * first, then the store's own scoped lookup answers (null for a soft-deleted user, as ever).
 */
export async function readUser(store: StoreRepositories, id: string): Promise<User | null> {
  const [row] = await store.db.select({ appId: users.appId, envId: users.envId }).from(users).where(eq(users.id, id)).limit(1);
  return row ? store.users.findById(row, id) : null;
}

/** A session read back by id alone (see `readUser`). */
export async function readSession(store: StoreRepositories, id: string): Promise<Session | null> {
  const [row] = await store.db.select({ appId: sessions.appId, envId: sessions.envId }).from(sessions).where(eq(sessions.id, id)).limit(1);
  return row ? store.sessions.findById(row, id) : null;
}

/** An app with its default production environment. */
export async function seedTenant(store: StoreRepositories, slug = `app-${unique()}`): Promise<Tenant> {
  const app = await store.apps.create({ name: `App ${slug}`, slug });
  const env = await store.environments.create({ appId: app.id, name: "Production", slug: "production", type: "production" });
  return { app, env };
}

export async function seedUser(store: StoreRepositories, tenant: Tenant, overrides: Partial<NewUser> = {}): Promise<User> {
  return store.users.create({
    appId: tenant.app.id,
    envId: tenant.env.id,
    email: `user-${unique()}@example.com`,
    ...overrides,
  });
}

/** A random 64-hex string standing in for a SHA-256 token hash. */
export function fakeHash(): string {
  return randomBytes(32).toString("hex");
}

/** Rejection of `promise`, asserted to be an error, for checking `code` and class. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error & { code?: string; details?: Record<string, unknown> }> {
  const outcome = await promise.then(
    () => ({ rejected: false as const }),
    (error: unknown) => ({ rejected: true as const, error }),
  );
  if (!outcome.rejected) throw new Error("expected the promise to reject, but it resolved");
  if (!(outcome.error instanceof Error)) throw new Error(`expected an Error, got ${String(outcome.error)}`);
  return outcome.error as Error & { code?: string };
}

/** A fixed clock far from the real one: every expiry in the store is decided against the `now` passed in. */
export const fixedNow = new Date("2030-01-01T00:00:00.000Z");

/** `fixedNow` moved by `seconds`. */
export function secondsAfterFixedNow(seconds: number): Date {
  return new Date(fixedNow.getTime() + seconds * 1000);
}

export interface SeededStore {
  readonly t: TestDatabase;
  readonly store: PostgresStore;
  readonly tenant: Tenant;
}

/** Registers beforeAll/afterAll for a test file: a migrated database, a store, and one app with its environment. */
export function useSeededStore(): SeededStore {
  const seeded = {} as { t: TestDatabase; store: PostgresStore; tenant: Tenant };
  beforeAll(async () => {
    Object.assign(seeded, await createTestStore());
    seeded.tenant = await seedTenant(seeded.store);
  });
  afterAll(() => seeded.t?.drop());
  return seeded;
}
