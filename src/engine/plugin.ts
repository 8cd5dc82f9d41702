import type { MiddlewareHandler } from "hono";
import type { MigrationGroup } from "../migrate/groups.js";
import type { AuthsomeApp, AuthsomeEnv } from "../http/env.js";
import type { EngineContext } from "./context.js";
import type { HookMap } from "./hooks.js";
import type { IssuedSession } from "./services/sessions.js";
import type { Context } from "hono";

/** What a plugin is handed at setup: the engine's context, its router, and the HTTP helpers routes need. */
export interface PluginContext extends EngineContext {
  /** The router mounted at `config.basePath`; add routes with `router.openapi(route, handler)`. */
  readonly router: AuthsomeApp;
  /** Route middleware: 401 `unauthorized` without a valid session; sets `auth` (read `c.get("auth")`: `c.var` copies every variable on each access). */
  readonly requireSession: MiddlewareHandler<AuthsomeEnv>;
  /** Sets the session and refresh cookies of a newly issued session. */
  setSessionCookies(c: Context<AuthsomeEnv>, issued: IssuedSession): void;
  /** Sets the signed `authsome_device` cookie a successful sign-in earns this browser. */
  setDeviceCookie(c: Context<AuthsomeEnv>, value: string): void;
  /** Where links in mail point for this request (`config.appUrl`; see `createHttpApp`); null when nowhere safe. */
  linkBase(c: Context<AuthsomeEnv>): string | null;
}

/**
 * A plugin: an id, optionally a migration group, hooks on named engine events, and a setup that registers routes
 * and returns the plugin's in-process API (merged into `auth.api`). It reaches the core only through `PluginContext`.
 */
export interface AuthsomePlugin<Api extends object = object> {
  readonly id: string;
  readonly migrations?: MigrationGroup;
  readonly hooks?: HookMap;
  setup?(ctx: PluginContext): Api;
}
