import { getRequestListener } from "@hono/node-server";
import { AsyncLocalStorage } from "node:async_hooks";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { RandomSource } from "../crypto/tokens.js";
import { AuthsomeError, ValidationError } from "../errors.js";
import { createHttpApp } from "../http/app.js";
import { createCodeHasher } from "../crypto/codes.js";
import type { Mailer } from "../mail/mailer.js";
import { createMailQueue, type MailQueueOptions } from "../mail/queue.js";
import type { MigrationGroup } from "../migrate/groups.js";
import type { Store, StoreRepositories } from "../store/contract.js";
import { type AuthsomeConfig, resolveConfig } from "./config.js";
import type { EngineContext, Tenant } from "./context.js";
import { createTenantResolver, mustExist } from "./tenants.js";
import { createHookBus, type HookName, type Logger } from "./hooks.js";
import type { AuthsomePlugin, PluginContext } from "./plugin.js";
import { createOutbox } from "./services/outbox.js";
import { createProtection } from "./services/protection.js";
import { createSessionService } from "./services/sessions.js";
import { createTrustedDevices } from "./services/trusted-devices.js";
import { createCoreApi, type CoreApi } from "./services/core-api.js";

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
}

type UnionToIntersection<U> = (U extends unknown ? (k: U) => void : never) extends (k: infer I) => void ? I : never;
type PluginApis<P extends readonly AuthsomePlugin<object>[]> = UnionToIntersection<
  { [K in keyof P]: P[K] extends AuthsomePlugin<infer Api> ? Api : never }[number]
>;

export interface Authsome<Api> {
  /** Migrates (core + every plugin's group), initialises plugins' state, ensures the app and its default environment. */
  start(): Promise<void>;
  stop(): Promise<void>;
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

// Development without a secret: codes are still keyed, with a fixed key that protects nothing (never in production,
// where `config.secret` is required).
const developmentSecret = "authsome development secret: not for production";

const notStarted = () => new AuthsomeError("not_started", "Authsome has not been started; call auth.start() first");

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
 * @throws ValidationError `invalid_config` naming the field (a missing `appUrl` outside development too);
 *   `invalid_plugin` for duplicate plugin ids.
 */
export function createAuthsome<const P extends readonly AuthsomePlugin<object>[] = []>(
  options: AuthsomeOptions<P>,
): Authsome<PluginApis<P>> {
  const config = resolveConfig(options.config);
  const codes = createCodeHasher(config.secrets.length > 0 ? config.secrets : [developmentSecret]);
  const plugins = options.plugins ?? ([] as unknown as P);
  const ids = new Set<string>();
  for (const plugin of plugins) {
    if (ids.has(plugin.id)) throw new ValidationError("invalid_plugin", `Plugin "${plugin.id}" is registered twice`);
    ids.add(plugin.id);
  }
  const { store } = options;
  const logger = options.logger ?? defaultLogger;
  for (const deprecation of config.deprecations) logger.warn(deprecation, {});
  const mailQueue = createMailQueue(logger, options.mailQueue);
  const mailer: Mailer = options.mailer ?? {
    async send() {
      throw new AuthsomeError("mail_not_configured", "No mailer is configured");
    },
  };
  const now = options.now ?? (() => new Date());
  const hooks = createHookBus(logger);
  const tenants = createTenantResolver({ store, config, logger });
  const scope = new AsyncLocalStorage<Tenant>();
  const protection = createProtection({ store, config, now });
  let started = false;

  const context: EngineContext = {
    config,
    store,
    mailer,
    logger,
    now,
    random: options.random,
    hooks,
    sessions: createSessionService({ store, config, now, tenant: () => context.tenant(), ...(options.random ? { random: options.random } : {}) }),
    protection,
    outbox: createOutbox({ queue: mailQueue, mailer, store, protection, logger, now, tenant: () => context.tenant(), withTenant: (tenant, fn) => scope.run(tenant, fn) }),
    codes,
    devices: createTrustedDevices(codes, now, options.random),
    reauthenticators: [],
    tenants,
    tenant() {
      if (!started) throw notStarted();
      return scope.getStore() ?? tenants.configured();
    },
    withTenant: (tenant, fn) => scope.run(tenant, fn),
    async audit(input, repos: StoreRepositories = store) {
      const { app, env } = context.tenant();
      await repos.auditEvents.append({
        appId: app.id,
        envId: env.id,
        userId: input.userId ?? null,
        type: input.type,
        ipAddress: input.meta.ipAddress,
        userAgent: input.meta.userAgent,
        metadata: input.metadata ?? {},
        createdAt: now(),
      });
    },
  };

  for (const plugin of plugins) {
    for (const [name, handler] of Object.entries(plugin.hooks ?? {})) hooks.on(name as HookName, handler as never);
  }
  const api = createCoreApi(context) as CoreApi & PluginApis<P>;
  const http = createHttpApp(context, api, { isStarted: () => started });
  const pluginContext = (): PluginContext => ({
    ...context,
    router: http.router,
    requireSession: http.requireSession,
    setSessionCookies: http.setSessionCookies,
    setDeviceCookie: http.setDeviceCookie,
    linkBase: http.linkBase,
  });
  for (const plugin of plugins) Object.assign(api, plugin.setup?.(pluginContext()) ?? {});
  http.finish();

  const listener = getRequestListener(http.fetch);

  return {
    async start() {
      if (options.migrations !== false) {
        const groups = plugins.map((p) => p.migrations).filter((g): g is MigrationGroup => g !== undefined);
        await store.migrate(...groups);
      }
      await tenants.start();
      mailQueue.start();
      started = true;
    },
    async stop() {
      await mailQueue.stop(); // mail already promised goes out first
      started = false;
      tenants.stop();
      await options.mailer?.close?.();
    },
    flushMail: () => mailQueue.idle(),
    handler: (request) => Promise.resolve(http.fetch(request)),
    nodeHandler: (req, res, next) => {
      // Express strips a mount path from req.url; originalUrl keeps it.
      const url = (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? "/";
      const path = url.split("?", 1)[0] as string;
      if (next && path !== config.basePath && !path.startsWith(`${config.basePath}/`)) return next();
      req.url = url;
      void listener(req, res);
    },
    async withApp(app, fn) {
      if (!started) throw notStarted();
      const tenant = mustExist(await tenants.byReference(app), app);
      return scope.run(tenant, fn);
    },
    api,
    config,
    store,
  };
}
