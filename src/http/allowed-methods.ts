import { mergePath } from "hono/utils/url";

/** The usual order of methods in an `Allow` header; others follow alphabetically. */
const methodOrder = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
const methodRank = (method: string) => (methodOrder.includes(method) ? methodOrder.indexOf(method) : methodOrder.length);

/** A RegExp for a Hono route path (`/sessions/:id`, `:id{[0-9]+}`, `:id?`, `*`), strict about trailing slashes. */
function routePattern(path: string): RegExp {
  const source = path
    .split("/")
    .slice(1)
    .map((segment) => {
      if (segment === "*") return "(?:/.*)?";
      const param = /^:\w+(?:\{(.+)\})?(\?)?$/.exec(segment);
      if (!param) return `/${segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`;
      const one = `/(?:${param[1] ?? "[^/]+"})`;
      return param[2] ? `(?:${one})?` : one;
    })
    .join("");
  return new RegExp(`^${source || "/"}$`);
}

/**
 * The methods each path of `routes` (mounted under `basePath`) is served with, as a lookup from a request path to
 * them (empty for an unknown path). `ALL` entries are `.use()` middleware, not routes. Hono answers HEAD with a GET
 * route (its body dropped), so GET brings HEAD.
 */
export function allowedMethodsLookup(routes: ReadonlyArray<{ method: string; path: string }>, basePath: string): (path: string) => string[] {
  const byPath = new Map<string, Set<string>>();
  for (const route of routes) {
    const method = route.method.toUpperCase();
    if (method === "ALL") continue;
    const methods = byPath.get(route.path) ?? new Set<string>();
    methods.add(method);
    if (method === "GET") methods.add("HEAD");
    byPath.set(route.path, methods);
  }
  const table = [...byPath].map(([path, methods]) => ({ pattern: routePattern(mergePath(basePath, path)), methods }));
  return (path) => {
    const allowed = new Set<string>();
    for (const entry of table) if (entry.pattern.test(path)) for (const method of entry.methods) allowed.add(method);
    return [...allowed].sort((a, b) => methodRank(a) - methodRank(b) || a.localeCompare(b));
  };
}
