import type { Context, MiddlewareHandler } from "hono";
import type { EngineContext } from "../engine/context.js";
import type { Principal, SessionPrincipal } from "../engine/principal.js";
import { AuthenticationError, AuthsomeError, ForbiddenError, ValidationError } from "../errors.js";
import type { AuthsomeEnv } from "./env.js";
import { presentedSessionToken, sessionCookie } from "./request.js";

/** An OpenAPI security scheme (`components.securitySchemes`), named. */
export interface SecurityScheme {
  name: string;
  definition: { type: "http"; scheme: string; bearerFormat?: string; description?: string } | { type: "apiKey"; in: "header" | "cookie" | "query"; name: string; description?: string };
}

/**
 * A way to authenticate a request. `read` finds this strategy's credential in the request (cheaply: no I/O), or
 * undefined; `authenticate` turns it into a principal, or null when it is not valid. Authenticators are tried in
 * registration order (the session first); the first principal wins, and a request that presented credentials none
 * of them accepted gets 401 `unauthorized`.
 */
export interface Authenticator<Credential = unknown> {
  /** The principal kind it produces (add the kind to `PrincipalKinds` so `c.get("auth")` knows its shape). */
  readonly kind: string;
  /** How the credential is sent, for `/openapi.json` (each is one alternative). */
  readonly schemes: readonly SecurityScheme[];
  read(c: Context<AuthsomeEnv>): Credential | undefined;
  authenticate(credential: Credential, c: Context<AuthsomeEnv>): Promise<Principal | null>;
}

/** Who may act, checked against roles (see `requirePermission`); defaults to the principal's user. */
export type PermissionScope = { org?: string | ((c: Context<AuthsomeEnv>) => string | null | undefined) };

export const sessionSchemes: readonly SecurityScheme[] = [
  { name: "sessionBearer", definition: { type: "http", scheme: "bearer", description: "`Authorization: Bearer <session_token>`" } },
  { name: "sessionCookie", definition: { type: "apiKey", in: "cookie", name: sessionCookie, description: "The session cookie" } },
];

const unauthorized = () => new AuthenticationError("unauthorized", "A valid session or credential is required");
const forbidden = () => new ForbiddenError("forbidden", "You do not have permission for this");

/** The security requirements each auth middleware stands for (read when a route is registered). */
const securityOf = new WeakMap<object, { optional: boolean; schemes: () => readonly SecurityScheme[] }>();

/** The OpenAPI `security` a route's middleware implies, if any of it authenticates. */
export function routeSecurity(middleware: unknown): Array<Record<string, string[]>> | undefined {
  const list = Array.isArray(middleware) ? middleware : middleware ? [middleware] : [];
  for (const mw of list) {
    const declared = securityOf.get(mw as object);
    if (!declared) continue;
    const alternatives = declared.schemes().map((s) => ({ [s.name]: [] as string[] }));
    return declared.optional ? [{}, ...alternatives] : alternatives;
  }
  return undefined;
}

/**
 * The request's authentication: registered authenticators and the middleware that applies them. `requireSession` is
 * the hot path (the session check) and runs the session authenticator alone.
 */
export function createAuthentication(ctx: EngineContext) {
  const sessionAuthenticator: Authenticator<string> = {
    kind: "session",
    schemes: sessionSchemes,
    read: presentedSessionToken,
    // Not an async function: on the session check's path a suspended frame per request is measurable garbage.
    authenticate: (token) => ctx.sessions.check(token).then((found) => (found ? { kind: "session", session: found.session, user: found.user } : null)),
  };
  const authenticators: Authenticator[] = [sessionAuthenticator as Authenticator];
  const allSchemes = () => authenticators.flatMap((a) => a.schemes);
  const schemesOf = (kinds: readonly string[] | undefined) => () => (kinds ? authenticators.filter((a) => kinds.includes(a.kind)) : authenticators).flatMap((a) => a.schemes);

  /** The principal of the request, or null: tries each authenticator whose credential the request carries. */
  async function authenticate(c: Context<AuthsomeEnv>, kinds?: readonly string[]): Promise<{ principal: Principal | null }> {
    for (const authenticator of authenticators) {
      if (kinds && !kinds.includes(authenticator.kind)) continue;
      const credential = authenticator.read(c);
      if (credential === undefined) continue;
      const principal = await authenticator.authenticate(credential, c);
      if (!principal) continue;
      // Routes narrow on `kind` (`session(c)` trusts it): an authenticator may only vouch for its own kind.
      if (principal.kind !== authenticator.kind) throw new AuthsomeError("internal_error", `An authenticator of kind "${authenticator.kind}" returned a "${principal.kind}" principal`);
      return { principal };
    }
    return { principal: null };
  }

  const tag = <M extends MiddlewareHandler<AuthsomeEnv>>(mw: M, optional: boolean, schemes: () => readonly SecurityScheme[]): M => {
    securityOf.set(mw, { optional, schemes });
    return mw;
  };

  const requireSession: MiddlewareHandler<AuthsomeEnv> = tag(
    async function requireSession(c, next) {
      // The session authenticator alone (the hot path: no loop over the others).
      const token = sessionAuthenticator.read(c);
      const principal = token ? await sessionAuthenticator.authenticate(token, c) : null;
      if (!principal) throw unauthorized();
      c.set("auth", principal);
      await next();
    },
    false,
    () => sessionSchemes,
  );

  function requireAuth(kinds?: readonly Principal["kind"][]): MiddlewareHandler<AuthsomeEnv> {
    return tag(
      async function requireAuth(c, next) {
        const { principal } = await authenticate(c, kinds);
        if (!principal) throw unauthorized();
        c.set("auth", principal);
        await next();
      },
      false,
      schemesOf(kinds),
    );
  }

  function optionalAuth(kinds?: readonly Principal["kind"][]): MiddlewareHandler<AuthsomeEnv> {
    return tag(
      async function optionalAuth(c, next) {
        const { principal } = await authenticate(c, kinds);
        if (principal) c.set("auth", principal);
        await next();
      },
      true,
      schemesOf(kinds),
    );
  }

  /**
   * Authenticates (any registered kind) and requires that a role of the principal's user — app-wide, or within the
   * organization `scope.org` names (a path parameter's name, or a function of the request) — grants `action` on
   * `resource`: one statement. 401 `unauthorized` without a principal, 403 `forbidden` without the permission.
   */
  function requirePermission(action: string, resource: string, scope: PermissionScope = {}): MiddlewareHandler<AuthsomeEnv> {
    return tag(
      async function requirePermission(c, next) {
        const { principal } = await authenticate(c);
        if (!principal) throw unauthorized();
        const org = typeof scope.org === "function" ? scope.org(c) : scope.org !== undefined ? c.req.param(scope.org) : null;
        const allowed = await ctx.store.roles.hasPermission({ userId: principal.user.id, action, resource, orgId: org ?? null });
        if (!allowed) throw forbidden();
        c.set("auth", principal);
        await next();
      },
      false,
      allSchemes,
    );
  }

  return {
    requireSession,
    requireAuth,
    optionalAuth,
    requirePermission,
    /**
     * Adds an authenticator after the registered ones (at setup).
     * @throws ValidationError `invalid_config` for a kind registered twice.
     */
    addAuthenticator(authenticator: Authenticator<never>): void {
      if (authenticators.some((a) => a.kind === authenticator.kind)) throw new ValidationError("invalid_config", `An authenticator of kind "${authenticator.kind}" is registered twice`);
      authenticators.push(authenticator as unknown as Authenticator);
    },
    /** Every scheme of every authenticator (published in `/openapi.json`). */
    schemes: allSchemes,
    /** The principal an auth middleware set on this request, if any. */
    principal(c: Context<AuthsomeEnv>): Principal | null {
      return (c.get("auth") as Principal | undefined) ?? null;
    },
    /** The session principal of a route behind `requireSession`. */
    session(c: Context<AuthsomeEnv>): SessionPrincipal {
      const auth = c.get("auth") as Principal | undefined;
      if (auth?.kind !== "session") throw unauthorized();
      return auth;
    },
  };
}

export type Authentication = ReturnType<typeof createAuthentication>;
