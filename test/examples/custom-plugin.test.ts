// The README's custom plugin example works as documented: its before-hook vetoes, its route is mounted and
// documented, and its API is merged into auth.api.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthsome } from "../../src/authsome.js";
import { memoryMailer } from "../../src/mail/memory.js";
import { password } from "../../src/plugins/password/index.js";
import { domainAllowlist } from "../../examples/plugins/domain-allowlist.js";
import { createTestStore, type TestStore } from "../support/store.js";

let s: TestStore;
let auth: ReturnType<typeof build>;

function build() {
  return createAuthsome({
    store: s.store,
    plugins: [password(), domainAllowlist(["acme.com"])],
    mailer: memoryMailer(),
    config: { development: true, basePath: "/v1/auth", rateLimits: false },
  });
}

async function post(path: string, body: unknown) {
  const response = await auth.handler(
    new Request(`http://localhost/v1/auth${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  );
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  s = await createTestStore();
  auth = build();
  await auth.start();
});
afterAll(async () => {
  await auth.stop();
  await s.t.drop();
});

describe("the domain-allowlist example plugin", () => {
  it("vetoes a sign-up from another domain before anything is written", async () => {
    const refused = await post("/signup", { email: "eve@evil.example", password: "a fine password" });
    expect(refused).toEqual({ status: 403, body: { error: "Sign-up is limited to company addresses", code: "domain_not_allowed" } });
    const rows = await s.t.query<{ n: number }>(`SELECT count(*)::int AS n FROM authsome_users`);
    expect(rows[0]?.n).toBe(0);
  });

  it("lets a company address sign up and serves its own authenticated route", async () => {
    const created = await post("/signup", { email: "Ada@ACME.com", password: "a fine password" });
    expect(created.status).toBe(201);
    const whoami = await auth.handler(
      new Request("http://localhost/v1/auth/whoami", { headers: { authorization: `Bearer ${String(created.body.session_token)}` } }),
    );
    expect(await whoami.json()).toEqual({ email: "ada@acme.com" });
    const anonymous = await auth.handler(new Request("http://localhost/v1/auth/whoami"));
    expect(anonymous.status).toBe(401);
  });

  it("adds its API to auth.api and its route to the OpenAPI document", async () => {
    expect(auth.api.isAllowed("x@acme.com")).toBe(true);
    expect(auth.api.isAllowed("x@acme.com.evil")).toBe(false);
    const doc = (await (await auth.handler(new Request("http://localhost/v1/auth/openapi.json"))).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/whoami", "/signup", "/session"]));
  });

  it("rejects two plugins with the same id", () => {
    expect(() => createAuthsome({ store: s.store, plugins: [password(), password()], config: { development: true } })).toThrow(/registered twice/);
  });
});
