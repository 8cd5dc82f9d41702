// A small custom plugin: only company addresses may sign up, and a route of its own. Written as a third party would,
// on the kit alone (`authsome/plugin`).
import { createRoute, z } from "@hono/zod-openapi";
import { type AuthsomePlugin, ForbiddenError } from "authsome/plugin";

export interface DomainAllowlistApi {
  isAllowed(email: string): boolean;
}

export function domainAllowlist(domains: readonly string[]): AuthsomePlugin<DomainAllowlistApi> {
  if (domains.length === 0) throw new TypeError("domainAllowlist needs at least one domain"); // fail at construction
  const allowed = new Set(domains.map((domain) => domain.toLowerCase()));
  const isAllowed = (email: string) => allowed.has(email.slice(email.lastIndexOf("@") + 1).toLowerCase());

  return {
    id: "domain-allowlist",
    hooks: {
      // A before-hook vetoes by throwing: nothing has been written yet.
      "signUp.before": ({ email }) => {
        if (!isAllowed(email)) throw new ForbiddenError("domain_not_allowed", "Sign-up is limited to company addresses");
      },
    },
    setup(ctx) {
      // The route declares its auth in its middleware, so /openapi.json lists the session schemes for it.
      const whoami = createRoute({
        method: "get",
        path: "/whoami",
        middleware: [ctx.http.requireSession] as const,
        responses: {
          200: { description: "The signed-in user's email", content: { "application/json": { schema: z.object({ email: z.string() }) } } },
        },
      });
      ctx.router.openapi(whoami, (c) => c.json({ email: ctx.http.session(c).user.email }, 200));
      return { isAllowed }; // merged into auth.api, typed
    },
  };
}
