// The composition root: wires the engine, the HTTP app and the plugins together (it sits above both layers).
import { getRequestListener } from "@hono/node-server";
import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createCodeHasher } from "./crypto/codes.js";
import { createSealer } from "./crypto/sealing.js";
import type { RandomSource } from "./crypto/tokens.js";
import { type AuthsomeConfig, resolveConfig } from "./engine/config.js";
import type { EngineContext, Tenant } from "./engine/context.js";
import { createEvents } from "./engine/events.js";
import { createHookBus, type HookName } from "./engine/hooks.js";
import type { Logger } from "./engine/logger.js";
import { createAvailability } from "./engine/services/availability.js";
import { createCeremonies } from "./engine/services/ceremonies.js";
import { corePurgeCounts, createCoreApi, type CoreApi, type PurgeContribution } from "./engine/services/core-api.js";
import { createOutbox } from "./engine/services/outbox.js";
import { coreRateLimits, createProtection } from "./engine/services/protection.js";
import { createSessionService } from "./engine/services/sessions.js";
import { createSignIns } from "./engine/services/sign-ins.js";
import { createSignInMethods } from "./engine/services/sign-in-methods.js";
import { createRedirects } from "./engine/redirects.js";
import { createTrustedDevices } from "./engine/services/trusted-devices.js";
import { createTenantResolver, mustExist, scopeOf } from "./engine/tenants.js";
import { AuthsomeError, notStartedError, ValidationError } from "./errors.js";
import { createHttpApp } from "./http/app.js";
import type { Mailer } from "./mail/mailer.js";
import { createMailQueue, type MailQueueOptions } from "./mail/queue.js";
import type { MigrationGroup } from "./migrate/groups.js";
import type { AuthsomePlugin, PluginContext, PluginHttp, PluginLifecycle } from "./plugin/types.js";
import type { Store, StoreMetrics } from "./store/contract/index.js";

export interface AuthsomeOptions<P extends readonly AuthsomePlugin<object>[]> {
  store: Store;
  plugins?: P;
  config?: AuthsomeConfig;
  /** Where verification and reset mail goes. Without one, sending mail fails with `mail_not_configured` (logged). */
  mailer?: Mailer;
  /** The in-process queue mail is sent from, after the response (size, retries, backoff). */
  mailQueue?: MailQueueOptions;
  logger?: Logger;
  /** `false`: the application manages Authsome's tables with its own migrations; `start()` never migrates. */
  migrations?: boolean;
  /** Injectable clock and randomness (tests). */
  now?: () => Date;
  random?: RandomSource;
  /** Outgoing HTTP for plugins (`ctx.fetch`: OAuth providers, webhooks); default the global `fetch`. Tests pass a stub or route it to a local server. */
  fetch?: typeof fetch;
}

type UnionToIntersection<U> = (U extends unknown ? (k: U) => void : never) extends (k: infer I) => void ? I : never;
type PluginApis<P extends readonly AuthsomePlugin<object>[]> = UnionToIntersection<
  { [K in keyof P]: P[K] extends AuthsomePlugin<infer Api> ? Api : never }[number]
>;

export interface Authsome<Api> {
  /** Migrates (core + every plugin's group), initialises plugins' state, ensures the app and its default environment. */
  start(): Promise<void>;
  /**
   * Drains, then stops: from the call on, new requests get 503 `shutting_down` with `Connection: close` (and
   * `/health` says unavailable, so a load balancer takes the instance out); requests already running finish; then
   * plugins' workers and the mail queue finish what they hold — all within `timeoutMs` (default 10 s), after which
   * what is left is abandoned and logged. Queued mail lives only in memory (its bodies carry live tokens): a crash
   * loses what was queued, a `stop()` sends it.
   */
  stop(options?: { timeoutMs?: number }): Promise<void>;
  /** Figures for monitoring: the pool, requests in flight, the mail queue, the database as workers see it. */
  metrics(): AuthsomeMetrics;
  /** The HTTP API as a Fetch handler (`Request → Response`): Bun, Deno, Hono, Next.js route handlers… */
  handler(request: Request): Promise<Response>;
  /**
   * The HTTP API for node:http, Express and Fastify. As Express middleware (`app.use(auth.nodeHandler)`) it passes
   * requests outside `basePath` on with `next()`, and it serves the full original URL even when mounted under a
   * path. Without `next` (plain node:http) any other path gets its JSON 404.
   */
  nodeHandler(req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void;
  /**
   * Runs `fn` as another app (multi-app deployments): every `auth.api.*` call it makes — and everything those
   * calls await — acts for the app with this slug or publishable key.
   * @throws NotFoundError `not_found` for an unknown app; AuthsomeError `not_started`.
   */
  withApp<T>(app: string, fn: () => Promise<T>): Promise<T>;
  /**
   * Resolves once every queued mail job has finished (sent, or given up after its retries). Mail is sent after the
   * response; tests and scripts that read a mailbox right after a request await this first.
   */
  flushMail(): Promise<void>;
  /** Every operation, in-process, through the same services the routes use. */
  readonly api: CoreApi & Api;
  readonly config: ReturnType<typeof resolveConfig>;
  readonly store: Store;
}

/** What `auth.metrics()` reports. Counters count since the process started. */
export interface AuthsomeMetrics {
  /** The connection pool (`null` on PGlite, which has one connection and no pool). */
  pool: StoreMetrics["pool"];
  requests: {
    /** Being handled now. */
    inFlight: number;
    /** Handled since start. */
    total: number;
  };
  mailQueue: {
    /** Mail jobs queued, running or waiting for a retry. */
    size: number;
  };
  database: {
    /** False while background workers see the database as down (they pause and probe until it answers). */
    available: boolean;
    /** Outages background workers have seen. */
    outages: number;
  };
  /** True from `stop()` on: new requests are refused with 503 while the in-flight ones finish. */
  draining: boolean;
}

const defaultLogger: Logger = {
  // Structured and terse: messages and ids only; errors by name and code, never by payload.
  error: (message, fields) => console.error(JSON.stringify({ level: "error", message, ...describe(fields) })),
  warn: (message, fields) => console.warn(JSON.stringify({ level: "warn", message, ...describe(fields) })),
  info: (message, fields) => console.info(JSON.stringify({ level: "info", message, ...describe(fields) })),
};

function describe(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    // An error's message may carry SQL parameters (Drizzle) or request data; log its kind and stack frames only.
    out[key] =
      value instanceof Error
        ? { name: value.name, code: (value as { code?: unknown }).code, frames: stackFrames(value.stack) }
        : value;
  }
  return out;
}

/** Only the `at …` lines: a message (even a multi-line one, like Drizzle's `params: …`) never reaches the log. */
function stackFrames(stack: string | undefined): string {
  return (stack ?? "").split("\n").filter((line) => /^\s+at /.test(line)).slice(0, 5).join("\n");
}


/**
 * Creates the engine.
 *
 * @example
 * ```ts
 * const auth = createAuthsome({
 *   store: createPostgresStore(process.env.DATABASE_URL!),
 *   plugins: [password()],
 *   config: { appId: "myapp", basePath: "/v1/auth", appUrl: "https://myapp.example.com", secret: process.env.AUTHSOME_SECRET!,
 *             session: { tokenTTL: "1h", refreshTokenTTL: "30d" } },
 * });
 * await auth.start();
 * http.createServer(auth.nodeHandler).listen(8080);
 * ```
 * @throws ValidationError `invalid_config` naming the field (a missing `appUrl` outside development too; a rate
 *   limit, event, gate or API name two owners claim); `invalid_plugin` for duplicate plugin ids.
 */
export function createAuthsome<const P extends readonly AuthsomePlugin<object>[] = []>(
  options: AuthsomeOptions<P>,
): Authsome<PluginApis<P>> {
  const config = resolveConfig(options.config);
  // Development without a secret: keys derived from one generated now (nothing sealed or keyed with it survives a
  // restart); outside development `config.secret` is required.
  const secrets = config.secrets.length > 0 ? config.secrets : [randomBytes(32).toString("base64url")];
  const codes = createCodeHasher(secrets);
  const sealer = createSealer(secrets, options.random);
  const plugins = options.plugins ?? ([] as unknown as P);
  const ids = new Set<string>();
  for (const plugin of plugins) {
    if (ids.has(plugin.id)) throw new ValidationError("invalid_plugin", `Plugin "${plugin.id}" is registered twice`);
    ids.add(plugin.id);
  }
  const declaredLimits = declareRateLimits(plugins, config.rateLimits ? Object.keys(config.rateLimits.limits) : []);
  const { store } = options;
  const logger = options.logger ?? defaultLogger;
  for (const deprecation of config.deprecations) logger.warn(deprecation, {});
  const availability = createAvailability({ ping: () => store.ping(), logger });
  const mailQueue = createMailQueue(logger, options.mailQueue, availability);
  const mailer: Mailer = options.mailer ?? {
    async send() {
      throw new AuthsomeError("mail_not_configured", "No mailer is configured");
    },
  };
  const now = options.now ?? (() => new Date());
  const hooks = createHookBus(logger);
  const tenants = createTenantResolver({ store, config, logger, now });
  const scope = new AsyncLocalStorage<Tenant>();
  const protection = createProtection({ store, config, now, declaredLimits });
  const tenant = () => context.tenant();
  const events = createEvents({ store, now, tenant });
  for (const plugin of plugins) events.declare(plugin.id, plugin.events ?? []);
  const random = options.random ? { random: options.random } : {};
  const sessions = createSessionService({ store, config, now, tenant, events, ...random });
  const ceremonies = createCeremonies({ store, now, tenant, ...random });
  const devices = createTrustedDevices(codes, now, options.random);
  let started = false;
  let draining = false;
  let inFlight = 0;
  let handled = 0;
  let drained: (() => void) | undefined;
  const finished = () => {
    inFlight--;
    if (inFlight === 0) drained?.();
  };

  const context: EngineContext = {
    config,
    store,
    mailer,
    logger,
    now,
    random: options.random,
    hooks,
    sessions,
    signIns: createSignIns({ store, config, now, hooks, sessions, ceremonies, events, protection, devices, tenant }),
    signInMethods: createSignInMethods(store, () => context.scope()),
    redirects: createRedirects(config),
    events,
    ceremonies,
    sealer,
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    protection,
    outbox: createOutbox({ queue: mailQueue, mailer, store, protection, logger, now, tenant, withTenant: (t, fn) => scope.run(t, fn) }),
    codes,
    devices,
    availability,
    reauthenticators: [],
    tenants,
    tenant() {
      if (!started) throw notStartedError();
      return scope.getStore() ?? tenants.configured();
    },
    withTenant: (t, fn) => scope.run(t, fn),
    scope: () => scopeOf(context.tenant()),
  };

  for (const plugin of plugins) {
    for (const [name, handler] of Object.entries(plugin.hooks ?? {})) hooks.on(name as HookName, handler as never);
  }
  const starts: Array<() => Promise<void> | void> = [];
  const stops: Array<() => Promise<void> | void> = [];
  const purges: PurgeContribution[] = [];
  const lifecycle: PluginLifecycle = {
    onStart: (fn) => void starts.push(fn),
    onStop: (fn) => void stops.push(fn),
    onPurge(name, fn) {
      if (corePurgeCounts.includes(name) || purges.some(([taken]) => taken === name)) {
        throw new ValidationError("invalid_config", `A purge named "${name}" is already reported by auth.api.purgeExpired()`);
      }
      purges.push([name, fn]);
    },
  };
  const api = createCoreApi(context, purges) as CoreApi & PluginApis<P>;
  const http = createHttpApp(context, api, { isStarted: () => started, isDraining: () => draining });
  const pluginHttp: PluginHttp = http.http;
  const pluginContext: PluginContext = { ...context, router: http.router, http: pluginHttp, lifecycle };
  for (const plugin of plugins) mergeApi(api, plugin.id, plugin.setup?.(pluginContext) ?? {});
  http.finish();

  const listener = getRequestListener(http.fetch);

  return {
    async start() {
      await store.verify(); // e.g. a pooler that cannot carry prepared statements: refused now, not at random later
      if (options.migrations !== false) {
        const groups = plugins.map((p) => p.migrations).filter((g): g is MigrationGroup => g !== undefined);
        await store.migrate(...groups);
      }
      await tenants.start();
      mailQueue.start();
      draining = false;
      started = true;
      for (const start of starts) await start();
    },
    async stop(stopOptions = {}) {
      const timeoutMs = stopOptions.timeoutMs ?? 10_000;
      if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 0) throw new ValidationError("invalid_config", "stop({ timeoutMs }) must be a non-negative whole number");
      const deadline = Date.now() + timeoutMs;
      draining = true;
      if (inFlight > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => (drained = resolve)),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs).unref())),
        ]);
        clearTimeout(timer);
        drained = undefined;
        if (inFlight > 0) logger.error("stop: requests still running at the drain timeout", { inFlight });
      }
      for (const stop of stops) await stop(); // plugins' workers finish what they hold while the engine still serves them
      await mailQueue.stop(Math.max(0, deadline - Date.now())); // mail already promised goes out first
      availability.stop();
      started = false;
      tenants.stop();
      await options.mailer?.close?.();
    },
    metrics: () => ({
      pool: store.metrics().pool,
      requests: { inFlight, total: handled },
      mailQueue: { size: mailQueue.size },
      database: { available: availability.open, outages: availability.outages },
      draining,
    }),
    flushMail: () => mailQueue.idle(),
    handler(request) {
      inFlight++;
      handled++;
      return Promise.resolve(http.fetch(request)).finally(finished);
    },
    nodeHandler: (req, res, next) => {
      // Express strips a mount path from req.url; originalUrl keeps it.
      const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? "/";
      const path = url.split("?", 1)[0] as string;
      if (next && path !== config.basePath && !path.startsWith(`${config.basePath}/`)) return next();
      req.url = url;
      inFlight++;
      handled++;
      void listener(req, res).finally(finished);
    },
    async withApp(app, fn) {
      if (!started) throw notStartedError();
      const tenant = mustExist(await tenants.byReference(app), app);
      return scope.run(tenant, fn);
    },
    api,
    config,
    store,
  };
}

/**
 * The per-IP limits in force: the engine's and each plugin's, by name, with their defaults.
 * @throws ValidationError `invalid_config` for a name two owners declare, or a configured one nobody declares.
 */
function declareRateLimits(plugins: readonly AuthsomePlugin<object>[], configured: readonly string[]): Map<string, number> {
  const declared = new Map<string, number>(Object.entries(coreRateLimits));
  const owners = new Map<string, string>([...declared.keys()].map((name) => [name, "core"]));
  for (const plugin of plugins) {
    for (const [name, limit] of Object.entries(plugin.rateLimits ?? {})) {
      const owner = owners.get(name);
      if (owner !== undefined) throw new ValidationError("invalid_config", `Rate limit "${name}" of plugin "${plugin.id}" is already declared by "${owner}"`);
      if (!Number.isSafeInteger(limit) || limit < 1) throw new ValidationError("invalid_config", `Rate limit "${name}" of plugin "${plugin.id}" must be a positive integer`);
      declared.set(name, limit);
      owners.set(name, plugin.id);
    }
  }
  for (const name of configured) {
    if (!declared.has(name)) {
      throw new ValidationError("invalid_config", `config.rateLimits.${name} is not a limit the engine or a plugin declares (known: ${[...declared.keys()].join(", ")})`, { details: { field: `config.rateLimits.${name}` } });
    }
  }
  return declared;
}

/**
 * Adds a plugin's in-process API to `auth.api`.
 * @throws ValidationError `invalid_config` for a name the core or another plugin already holds.
 */
function mergeApi(api: object, pluginId: string, pluginApi: object): void {
  for (const name of Object.keys(pluginApi)) {
    if (name in api) throw new ValidationError("invalid_config", `Plugin "${pluginId}" adds auth.api.${name}, which already exists`);
  }
  Object.assign(api, pluginApi);
}
