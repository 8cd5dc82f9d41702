// The HTTP layer's defences against a hostile request (issue: security hardening): links in mail and the CSRF origin
// come from configuration, never from `Host` or an untrusted `X-Forwarded-*`; the client IP cannot be chosen by the
// client; every answer is uncacheable and unsniffable, and a 503 says when to come back.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthsome } from "../../src/authsome.js";
import { memoryMailer } from "../../src/mail/memory.js";
import { password } from "../../src/plugins/password/index.js";
import { basePath, createTestEngine, linkIn, type TestEngine, uniqueEmail } from "../support/engine.js";
import { createTestStore } from "../support/store.js";

const secret = "correct horse battery";

/** A request addressed to `host` (the Fetch URL's host is the `Host` header a node:http server would see). */
async function callAt(e: TestEngine, host: string, method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}) {
  const headers = new Headers(init.headers);
  if (init.body !== undefined) headers.set("content-type", "application/json");
  const res = await e.auth.handler(
    new Request(`http://${host}${basePath}${path}`, { method, headers, ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }) }),
  );
  await e.auth.flushMail();
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

describe("links in mail and the CSRF origin come from appUrl, never from the Host header", () => {
  let e: TestEngine;
  beforeAll(async () => {
    // Production mode: appUrl required, with a path (an app under a sub-path keeps it).
    e = await createTestEngine({ config: { development: false, secret: "s".repeat(32), appUrl: "https://app.example.com/portal/" } });
  });
  afterAll(() => e?.drop());

  it("mails reset and verification links under appUrl (path kept) whatever Host and X-Forwarded-Host say", async () => {
    const email = uniqueEmail("poison");
    expect((await callAt(e, "localhost", "POST", "/signup", { body: { email, password: secret } })).status).toBe(201);
    e.mailer.clear();
    const evil = { "x-forwarded-host": "evil.example", "x-forwarded-proto": "http" };
    expect((await callAt(e, "evil.example", "POST", "/forgot-password", { body: { email }, headers: evil })).status).toBe(200);
    expect((await callAt(e, "evil.example", "POST", "/verify-email/resend", { body: { email }, headers: evil })).status).toBe(200);
    const links = e.mailer.messages.map((m) => linkIn(m.text));
    expect(links.map((l) => `${l.origin}${l.pathname}`).sort()).toEqual([
      "https://app.example.com/portal/reset-password",
      "https://app.example.com/portal/verify-email",
    ]);
    for (const m of e.mailer.messages) expect(`${m.text}${m.html}`).not.toContain("evil.example");
  });

  it("accepts cookie-authenticated state changes only from appUrl's origin or a trusted one, not from the origin Host names", async () => {
    const up = await callAt(e, "localhost", "POST", "/signup", { body: { email: uniqueEmail("csrf"), password: secret } });
    const cookie = `authsome_session=${up.body.session_token as string}`;
    const fromHost = await callAt(e, "evil.example", "DELETE", "/sessions", { headers: { cookie, origin: "http://evil.example" } });
    expect(fromHost).toMatchObject({ status: 403, body: { code: "invalid_origin" } });
    const forwarded = await callAt(e, "api.internal", "DELETE", "/sessions", {
      headers: { cookie, origin: "https://evil.example", "x-forwarded-host": "evil.example", "x-forwarded-proto": "https" },
    });
    expect(forwarded).toMatchObject({ status: 403, body: { code: "invalid_origin" } });
    const fromApp = await callAt(e, "api.internal", "DELETE", "/sessions", { headers: { cookie, origin: "https://app.example.com" } });
    expect(fromApp.status).toBe(200);
  });

  it("marks cookies Secure because appUrl is https, whatever the request's scheme", async () => {
    const up = await callAt(e, "localhost", "POST", "/signin", { body: { email: uniqueEmail("nobody"), password: secret } });
    expect(up.status).toBe(401);
    const email = uniqueEmail("secure");
    await callAt(e, "localhost", "POST", "/signup", { body: { email, password: secret } });
    const signedIn = await callAt(e, "localhost", "POST", "/signin", { body: { email, password: secret } });
    const cookies = signedIn.headers.getSetCookie();
    expect(cookies.length).toBe(3); // session, refresh, device
    for (const c of cookies) expect(c).toMatch(/; Secure/);
  });
});

describe("createAuthsome refuses to run without appUrl outside development", () => {
  it("fails with invalid_config naming config.appUrl", async () => {
    const { t, store } = await createTestStore();
    try {
      expect(() => createAuthsome({ store, plugins: [password()], config: { secret: "s".repeat(32) } })).toThrow(
        expect.objectContaining({ code: "invalid_config", details: { field: "config.appUrl" } }),
      );
    } finally {
      await t.drop();
    }
  });
});

describe("development without appUrl: links only to a loopback or trusted request origin", () => {
  let e: TestEngine;
  beforeAll(async () => {
    e = await createTestEngine({ config: { appUrl: undefined, trustedOrigins: ["http://dev.example.test:5173"] } });
  });
  afterAll(() => e?.drop());

  it("uses a loopback or trusted origin of the request, and sends nothing when Host names another", async () => {
    const email = uniqueEmail("dev");
    expect((await callAt(e, "localhost:3000", "POST", "/signup", { body: { email, password: secret } })).status).toBe(201);
    e.mailer.clear();
    await callAt(e, "127.0.0.1:3000", "POST", "/forgot-password", { body: { email } });
    await callAt(e, "dev.example.test:5173", "POST", "/forgot-password", { body: { email } });
    const answer = await callAt(e, "evil.example", "POST", "/forgot-password", { body: { email } });
    expect(answer).toMatchObject({ status: 200, body: { status: "ok" } }); // the same answer: no enumeration
    expect(e.mailer.messages.map((m) => linkIn(m.text).origin)).toEqual(["http://127.0.0.1:3000", "http://dev.example.test:5173"]);
  });
});

describe("the client IP behind trustProxy cannot be chosen by the client", () => {
  let e: TestEngine;
  beforeAll(async () => {
    e = await createTestEngine({ config: { trustProxy: 1, rateLimits: { signIn: 3 }, lockout: false } });
  });
  afterAll(() => e?.drop());

  it("counts a client that rotates the leftmost X-Forwarded-For hop as one client (the hop our proxy appended)", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      // What an appending proxy forwards when the client itself sent "X-Forwarded-For: 198.51.100.<i>".
      const res = await e.call("POST", "/signin", { headers: { "x-forwarded-for": `198.51.100.${i}, 203.0.113.50` }, body: { email: uniqueEmail("x"), password: secret } });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const keys = await e.t.query<{ key: string }>("SELECT key FROM authsome_rate_limits WHERE key LIKE 'rl:signIn:%'");
    expect(keys.map((k) => k.key)).toEqual(["rl:signIn:203.0.113.50"]);
  });

  it("never records a non-IP string as a rate-limit key or an audit IP", async () => {
    await e.call("POST", "/signin", { headers: { "x-forwarded-for": "<script>alert(1)</script>" }, body: { email: uniqueEmail("x"), password: secret } });
    const keys = await e.t.query<{ key: string }>("SELECT key FROM authsome_rate_limits");
    const ips = await e.t.query<{ ip_address: string }>("SELECT ip_address FROM authsome_audit_events");
    for (const value of [...keys.map((k) => k.key), ...ips.map((r) => r.ip_address)]) expect(value).not.toContain("<");
  });
});

describe("response headers", () => {
  let e: TestEngine;
  beforeAll(async () => {
    e = await createTestEngine();
  });
  afterAll(() => e?.drop());

  it("sends Cache-Control: no-store and X-Content-Type-Options: nosniff on tokens, profiles, errors and unknown routes", async () => {
    const up = await e.call("POST", "/signup", { body: { email: uniqueEmail("headers"), password: secret } });
    const answers = [
      up,
      await e.call("GET", "/session", { token: up.body.session_token }),
      await e.call("GET", "/me", { token: up.body.session_token }),
      await e.call("POST", "/refresh", { body: { refresh_token: up.body.refresh_token } }),
      await e.call("GET", "/session"),
      await e.call("POST", "/signin", { body: "{" }),
      await e.call("GET", "/no-such-route"),
      await e.call("GET", "/health"),
    ];
    expect(answers.map((a) => a.status)).toEqual([201, 200, 200, 200, 401, 400, 404, 200]);
    for (const a of answers) {
      expect(a.headers.get("cache-control")).toBe("no-store");
      expect(a.headers.get("x-content-type-options")).toBe("nosniff");
    }
  });

  it("answers before start() with 503 not_started and Retry-After", async () => {
    const { t, store } = await createTestStore();
    const auth = createAuthsome({ store, plugins: [password()], mailer: memoryMailer(), config: { development: true, basePath } });
    try {
      const res = await auth.handler(new Request(`http://localhost${basePath}/session`));
      expect(res.status).toBe(503);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(res.headers.get("cache-control")).toBe("no-store");
    } finally {
      await t.drop();
    }
  });
});
