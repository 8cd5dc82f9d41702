import type { IncomingMessage, ServerResponse } from "node:http";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { RequestMeta } from "../engine/request-meta.js";
import type { Principal } from "../engine/principal.js";

/** Per-request values the middleware sets for the routes. */
export interface AuthsomeVariables {
  requestId: string;
  /** Client IP and user agent, for sessions, rate limits and audit events. */
  meta: RequestMeta;
  /**
   * Who the request authenticated as, set by the auth middleware (`requireSession`, `requireAuth`, `optionalAuth`,
   * `requirePermission`); read it with `c.get("auth")` (`c.var` copies every variable on each access).
   */
  auth: Principal;
}

/** `incoming` and `outgoing` are set when served through `auth.nodeHandler` (node:http, Express, Fastify). */
export interface AuthsomeEnv {
  Variables: AuthsomeVariables;
  Bindings: { incoming?: IncomingMessage; outgoing?: ServerResponse };
}

/** Authsome's router; plugins add their routes to it. Typed locally, never by augmenting Hono's global maps. */
export type AuthsomeApp = OpenAPIHono<AuthsomeEnv>;
