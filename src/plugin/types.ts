import type { EngineContext } from "../engine/context.js";
import type { HookMap } from "../engine/hooks.js";
import type { AuthsomeApp } from "../http/env.js";
import type { PluginHttp } from "../http/plugin-http.js";
import type { MigrationGroup } from "../migrate/groups.js";

export type { AuthResponseBody, PluginHttp, SendSignInOptions } from "../http/plugin-http.js";

/** Work a plugin runs with the engine: after `start()` migrated, before `stop()` finishes, and in `purgeExpired()`. */
export interface PluginLifecycle {
  onStart(fn: () => Promise<void> | void): void;
  onStop(fn: () => Promise<void> | void): void;
  /** A purge of the plugin's expired rows, reported under `name` in `auth.api.purgeExpired()`'s counts. */
  onPurge(name: string, fn: (now: Date) => Promise<number>): void;
}

/** What a plugin is handed at setup: the engine's services, its router, the HTTP helpers and the lifecycle. */
export interface PluginContext extends EngineContext {
  /** The router mounted at `config.basePath`; add routes with `router.openapi(route, handler)`. */
  readonly router: AuthsomeApp;
  readonly http: PluginHttp;
  readonly lifecycle: PluginLifecycle;
}

/**
 * A plugin: an id, optionally a migration group, the events and per-IP limits it declares, hooks on named engine
 * events, and a setup that registers routes, gates and authenticators and returns the plugin's in-process API
 * (merged into `auth.api`; a name that clashes with another is refused). It reaches the core only through
 * `PluginContext`.
 */
export interface AuthsomePlugin<Api extends object = object> {
  readonly id: string;
  readonly migrations?: MigrationGroup;
  readonly hooks?: HookMap;
  /** The event types it emits through `ctx.events.emit` (or records with a session). */
  readonly events?: readonly string[];
  /** Its per-IP limits with their defaults (requests per `config.rateLimits.window`); overridable by name in `config.rateLimits`. */
  readonly rateLimits?: Readonly<Record<string, number>>;
  setup?(ctx: PluginContext): Api;
}
