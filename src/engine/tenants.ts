import { performance } from "node:perf_hooks";
import { generateToken } from "../crypto/tokens.js";
import { AuthsomeError, isAuthsomeError, NotFoundError, notStartedError } from "../errors.js";
import type { App, AppSessionConfig, Environment, Store, TenantRecord, TenantScope } from "../store/contract/index.js";
import type { ResolvedConfig } from "./config.js";
import type { Logger } from "./logger.js";

/** The session settings in force for one app: the engine's config with the app's overrides applied. */
export interface SessionSettings {
  tokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Sign-ins beyond this many live sessions evict the user's oldest; null = unlimited. */
  maxActiveSessions: number | null;
}

/** The app and environment a request (or an in-process call) acts for. */
export interface Tenant {
  app: App;
  env: Environment;
  session: SessionSettings;
}

/** A tenant as the store's scope (`{ appId, envId }`). */
export function scopeOf(tenant: Tenant): TenantScope {
  return { appId: tenant.app.id, envId: tenant.env.id };
}

export const publishableKeyPrefix = "pk_live_";
// Anything else is refused before it costs a query.
const publishableKeyShape = /^pk_[A-Za-z0-9_-]{8,128}$/;
const maxCachedApps = 10_000;

interface Entry {
  tenant: Tenant | null;
  loadedAt: number;
  refreshing: boolean;
}

type Lookup = { slug: string } | { publishableKey: string };

export function newPublishableKey(random?: Parameters<typeof generateToken>[1]): string {
  return generateToken(publishableKeyPrefix, random);
}

/**
 * Resolves apps (the configured one by slug, others by publishable key) with their default environment and session
 * overrides, in one statement, and keeps them in memory for `cacheTtlSeconds`. A stale entry is served while one
 * background query refreshes it, so no request ever waits on — or pays a statement for — an app it already knows:
 * the session check stays one round trip. Unknown keys are remembered too, so a flood of made-up keys costs one
 * query per key per TTL, not per request. Changes made through this engine apply at once; changes made elsewhere
 * within the TTL.
 */
export function createTenantResolver(deps: { store: Store; config: ResolvedConfig; logger: Logger; now: () => Date }) {
  const { store, config, logger } = deps;
  const cache = new Map<string, Entry>();
  const loading = new Map<string, Promise<Tenant | null>>(); // concurrent first requests for one app share a query
  const ttlMs = config.appCacheTtlSeconds * 1000;
  let defaultKey: string | undefined;

  function settingsOf(overrides: AppSessionConfig | null): SessionSettings {
    const positive = (value: number | null | undefined) => (value !== null && value !== undefined && value > 0 ? value : null);
    return {
      tokenTtlSeconds: positive(overrides?.tokenTtlSeconds) ?? config.session.tokenTtlSeconds,
      refreshTokenTtlSeconds: positive(overrides?.refreshTokenTtlSeconds) ?? config.session.refreshTokenTtlSeconds,
      maxActiveSessions: positive(overrides?.maxActiveSessions),
    };
  }

  async function load(by: Lookup): Promise<Tenant | null> {
    const record: TenantRecord | null = await store.apps.findTenant(by);
    if (!record) return null;
    const env = record.env ?? (await ensureDefaultEnvironment(store, record.app, deps.now()));
    return { app: record.app, env, session: settingsOf(record.sessionConfig) };
  }

  function remember(key: string, tenant: Tenant | null): Entry {
    if (!cache.has(key) && cache.size >= maxCachedApps) {
      // Evict the oldest entry other than the configured app (a Map iterates in insertion order).
      for (const old of cache.keys()) {
        if (old !== defaultKey) {
          cache.delete(old);
          break;
        }
      }
    }
    const entry: Entry = { tenant, loadedAt: performance.now(), refreshing: false };
    cache.set(key, entry);
    return entry;
  }

  function refreshInBackground(key: string, by: Lookup, entry: Entry): void {
    if (entry.refreshing) return;
    entry.refreshing = true;
    load(by).then(
      // The configured app is never forgotten because a refresh found nothing: it was ensured by start().
      (tenant) => remember(key, tenant ?? (key === defaultKey ? entry.tenant : null)),
      (error) => {
        entry.refreshing = false;
        logger.warn("app refresh failed; serving the cached app", { error });
      },
    );
  }

  async function resolve(key: string, by: Lookup): Promise<Tenant | null> {
    const entry = cache.get(key);
    if (!entry) {
      let pending = loading.get(key);
      if (!pending) {
        pending = load(by)
          .then((tenant) => remember(key, tenant).tenant)
          .finally(() => loading.delete(key));
        loading.set(key, pending);
      }
      return pending;
    }
    if (performance.now() - entry.loadedAt >= ttlMs) refreshInBackground(key, by, entry);
    return entry.tenant;
  }

  return {
    /** Ensures the configured app (with a publishable key) and its default environment exist, and caches them. */
    async start(): Promise<Tenant> {
      const slug = config.appId;
      defaultKey = `slug:${slug}`;
      const found = await load({ slug });
      if (found) return remember(defaultKey, found).tenant as Tenant;
      await createOrFind(
        () => store.apps.create({ name: slug, slug, publishableKey: newPublishableKey(), createdAt: deps.now() }),
        () => store.apps.findBySlug(slug),
      );
      const tenant = await load({ slug });
      if (!tenant) throw new AuthsomeError("internal_error", `App "${slug}" vanished while starting`);
      return remember(defaultKey, tenant).tenant as Tenant;
    },

    /** The configured app. @throws AuthsomeError `not_started` before `start()`. */
    configured(): Tenant {
      const entry = defaultKey ? cache.get(defaultKey) : undefined;
      if (!entry?.tenant || !defaultKey) throw notStartedError();
      if (performance.now() - entry.loadedAt >= ttlMs) refreshInBackground(defaultKey, { slug: config.appId }, entry);
      return entry.tenant;
    },

    /** The app with this publishable key, or null for an unknown or malformed one. */
    byPublishableKey(publishableKey: string): Promise<Tenant | null> {
      if (!publishableKeyShape.test(publishableKey)) return Promise.resolve(null);
      return resolve(`pk:${publishableKey}`, { publishableKey });
    },

    /** By slug or publishable key. */
    byReference(reference: string): Promise<Tenant | null> {
      if (reference.startsWith("pk_")) return this.byPublishableKey(reference);
      if (`slug:${reference}` === defaultKey) return Promise.resolve(this.configured());
      return resolve(`slug:${reference}`, { slug: reference });
    },

    /** Drops what is cached for an app after it changed here; the configured app is reloaded at once. */
    async forget(appId: string): Promise<void> {
      for (const [key, entry] of cache) {
        if (entry.tenant?.app.id === appId && key !== defaultKey) cache.delete(key);
      }
      const current = defaultKey ? cache.get(defaultKey)?.tenant : undefined;
      if (defaultKey && current?.app.id === appId) {
        const fresh = await load({ slug: config.appId });
        if (fresh) remember(defaultKey, fresh);
      }
    },

    stop(): void {
      cache.clear();
      defaultKey = undefined;
    },
  };
}

export type TenantResolver = ReturnType<typeof createTenantResolver>;

/** An app's default environment: a `production` one is created if it has none. */
async function ensureDefaultEnvironment(store: Store, app: App, now: Date): Promise<Environment> {
  const existing = await store.environments.findDefaultByAppId(app.id);
  if (existing) return existing;
  const env = await createOrFind(
    () => store.environments.create({ appId: app.id, name: "Production", slug: "production", type: "production", createdAt: now }),
    () => store.environments.findDefaultByAppId(app.id),
  );
  return env;
}

/** Create, or — when a concurrently booting instance won the insert — read what it created. */
async function createOrFind<T>(create: () => Promise<T>, find: () => Promise<T | null>): Promise<T> {
  try {
    return await create();
  } catch (err) {
    if (!isAuthsomeError(err) || (err.code !== "slug_taken" && err.code !== "conflict")) throw err;
    const found = await find();
    if (!found) throw err;
    return found;
  }
}

/** @throws NotFoundError `not_found` */
export function mustExist(tenant: Tenant | null, reference: string): Tenant {
  if (!tenant) throw new NotFoundError("not_found", `No app "${reference}"`);
  return tenant;
}
