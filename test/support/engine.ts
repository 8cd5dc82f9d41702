// An engine with the password plugin on a fresh test database (see store.ts), driven over HTTP through
// `auth.handler(new Request(…))`, with a settable clock and an in-memory mailbox.
import { type Authsome, createAuthsome } from "../../src/authsome.js";
import type { AuthsomeConfig } from "../../src/engine/config.js";
import type { AuthsomePlugin } from "../../src/plugin/index.js";
import type { Logger } from "../../src/engine/logger.js";
import type { Mailer } from "../../src/mail/mailer.js";
import { type MemoryMailer, memoryMailer } from "../../src/mail/memory.js";
import type { MailQueueOptions } from "../../src/mail/queue.js";
import { password, type PasswordApi, type PasswordPluginOptions } from "../../src/plugins/password/index.js";
import type { Store } from "../../src/store/contract/index.js";
import { postgresStore } from "../../src/store/postgres/store.js";
import type { TestDatabase } from "./database.js";
import { createTestStore, testStoreOptions } from "./store.js";

export const basePath = "/v1/auth";
/** The origin requests are addressed to (the engine's "own" origin). */
export const origin = "http://localhost";
export const appUrl = "http://app.test";

/** A clock the engine reads for every decision; tests move it instead of sleeping. */
export interface TestClock {
  now(): Date;
  set(at: Date): void;
  advance(seconds: number): void;
}

export function createClock(start = new Date()): TestClock {
  let at = start.getTime();
  return {
    now: () => new Date(at),
    set(date) {
      at = date.getTime();
    },
    advance(seconds) {
      at += seconds * 1000;
    },
  };
}

export interface CallOptions {
  /** A value sent as JSON, or a raw string body. */
  body?: unknown;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** The raw `Cookie` header. */
  cookie?: string;
  headers?: Record<string, string>;
}

/** A decoded JSON response. `body` is loosely typed on purpose: tests assert its shape. */
export interface CallResult {
  status: number;
  body: any;
  headers: Headers;
  /**
   * `t.counter.count` when the response was ready — before the mail queue (which starts on a later turn of the
   * event loop) ran anything: the request's own statements, when the counter was reset before the call.
   */
  statements: number;
}

export interface EngineOptions {
  /** Merged over the helper's config (`development`, `basePath`, `appUrl`, `rateLimits: false`, `appCacheTTL: "1h"`). */
  config?: AuthsomeConfig;
  password?: PasswordPluginOptions;
  /** Default: a logger that drops everything (tests that expect errors stay quiet). */
  logger?: Logger;
  /** Wraps the in-memory mailbox, e.g. to hold or fail sends (what it lets through lands in `mailer`). */
  wrapMailer?: (mailbox: MemoryMailer) => Mailer;
  mailQueue?: MailQueueOptions;
  /** More plugins, after `password()`. */
  plugins?: AuthsomePlugin[];
  /** `ctx.fetch` of the engine. */
  fetch?: typeof fetch;
}

export interface TestEngine {
  auth: Authsome<PasswordApi>;
  store: Store;
  /** The test database (statement counter, raw queries, new pools). */
  t: TestDatabase;
  mailer: MemoryMailer;
  clock: TestClock;
  call(method: string, path: string, options?: CallOptions): Promise<CallResult>;
  /**
   * Another started engine on the same database, clock and app (its own mailer). On PostgreSQL it gets its own
   * pool of `poolSize` connections, so it is a separate instance as far as the database can tell; PGlite has one
   * connection, so there it shares the store object.
   */
  sibling(options?: EngineOptions & { poolSize?: number }): Promise<TestEngine>;
  /** Stops the engine; the primary engine also drops the database (siblings only stop). */
  drop(): Promise<void>;
}

const silentLogger: Logger = { error() {}, warn() {}, info() {} };

export const defaultUserAgent = "vitest-e2e";

function buildRequest(method: string, path: string, options: CallOptions): Request {
  const headers = new Headers(options.headers);
  if (!headers.has("user-agent")) headers.set("user-agent", defaultUserAgent);
  if (options.token) headers.set("authorization", `Bearer ${options.token}`);
  if (options.cookie) headers.set("cookie", options.cookie);
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  return new Request(`${origin}${basePath}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
}

async function startEngine(t: TestDatabase, store: Store, clock: TestClock, options: EngineOptions, isPrimary: boolean): Promise<TestEngine> {
  const mailer = memoryMailer({ now: clock.now });
  const auth = createAuthsome({
    store,
    plugins: [password(options.password), ...(options.plugins ?? [])],
    ...(options.fetch ? { fetch: options.fetch } : {}),
    mailer: options.wrapMailer ? options.wrapMailer(mailer) : mailer,
    ...(options.mailQueue ? { mailQueue: options.mailQueue } : {}),
    logger: options.logger ?? silentLogger,
    // A long app cache: a background refresh of the app must not land inside a request whose statements are counted.
    config: { development: true, basePath, appUrl, rateLimits: false, appCacheTTL: "1h", ...options.config },
    now: clock.now,
  });
  await auth.start();

  const engine: TestEngine = {
    auth,
    store,
    t,
    mailer,
    clock,
    async call(method, path, callOptions = {}) {
      const res = await auth.handler(buildRequest(method, path, callOptions));
      const statements = t.counter.count;
      const text = await res.text();
      // Mail goes out after the response; tests read the mailbox right after a call.
      await auth.flushMail();
      let body: unknown = text;
      if ((res.headers.get("content-type") ?? "").includes("application/json")) body = JSON.parse(text);
      return { status: res.status, body, headers: res.headers, statements };
    },
    async sibling(siblingOptions = {}) {
      const siblingStore = t.driver === "postgres" ? postgresStore(t.newPool(siblingOptions.poolSize ?? 4).db, testStoreOptions) : store;
      // The primary's config (so the same appId: both resolve the same app and environment) under the sibling's.
      const config = { ...options.config, ...siblingOptions.config };
      return startEngine(t, siblingStore, clock, { ...options, ...siblingOptions, config }, false);
    },
    async drop() {
      await auth.stop();
      if (isPrimary) await t.drop();
    },
  };
  return engine;
}

/**
 * A started engine with `password(options.password)` over a fresh, migrated database.
 * @example
 * const e = await createTestEngine({ config: { requireEmailVerification: true } });
 * const res = await e.call("POST", "/signup", { body: { email, password } });
 * await e.drop();
 */
export async function createTestEngine(options: EngineOptions = {}): Promise<TestEngine> {
  const { t, store } = await createTestStore();
  return startEngine(t, store, createClock(), options, true);
}

/** Every key of a JSON value, at any depth (to prove what a body does not contain). */
export function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v)]);
  return [];
}

/** The first `http(s)://…` link in a mail's text. */
export function linkIn(text: string): URL {
  const match = /https?:\/\/\S+/.exec(text);
  if (!match) throw new Error(`no link in mail text: ${text}`);
  return new URL(match[0]);
}

let uniqueCounter = 0;
/** An address no other test (or run) uses: `<tag>-<n>-<ms>@example.com`. */
export function uniqueEmail(tag: string): string {
  return `${tag}-${++uniqueCounter}-${Date.now()}@example.com`;
}

/** `SELECT count(*) FROM <from>` on the engine's test database (`from` may carry a WHERE with `$n` parameters). */
export async function countRows(e: Pick<TestEngine, "t">, from: string, params: unknown[] = []): Promise<number> {
  const [row] = await e.t.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${from}`, params);
  return row?.n ?? 0;
}
