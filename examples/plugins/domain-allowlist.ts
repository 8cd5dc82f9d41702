// A small custom plugin, the README's worked example: only company addresses may sign up, and a route of its own.
import { createRoute, z } from "@hono/zod-openapi";
import { type AuthsomePlugin, ForbiddenError } from "authsome";

export interface DomainAllowlistApi {
  isAllowed(email: string): boolean;
}

export function domainAllowlist(domains: readonly string[]): AuthsomePlugin<DomainAllowlistApi> {
  if (domains.length === 0) throw new TypeError("domainAllowlist needs at least one domain"); // fail at construction
  const allowed = new Set(domains.map((domain) => domain.toLowerCase()));
  const isAllowed = (email: string) => allowed.has(email.slice(email.lastIndexOf("@") + 1).toLowerCase());

  const whoami = createRoute({
    method: "get",
    path: "/whoami",
    responses: {
      200: { description: "The signed-in user's email", content: { "application/json": { schema: z.object({ email: z.string() }) } } },
    },
  });

  return {
    id: "domain-allowlist",
    hooks: {
      // A before-hook vetoes by throwing: nothing has been written yet.
      "signUp.before": ({ email }) => {
        if (!isAllowed(email)) throw new ForbiddenError("domain_not_allowed", "Sign-up is limited to company addresses");
      },
    },
    setup(ctx) {
      ctx.router.use("/whoami", ctx.requireSession);
      ctx.router.openapi(whoami, (c) => c.json({ email: c.get("auth").user.email }, 200));
      return { isAllowed }; // merged into auth.api, typed
    },
  };
}
