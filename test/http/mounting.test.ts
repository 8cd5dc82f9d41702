// One engine mounted the ways examples/MOUNTING.md describes — bare node:http, Express 5, Fastify 5 — each behind a
// real listening server and driven by real fetch, including the ways that do not work (body parsers first, a mount
// path that strips basePath), so the documentation's warnings are facts.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import fastifyExpress from "@fastify/express";
import express from "express";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthsome } from "../../src/authsome.js";
import { memoryMailer } from "../../src/mail/memory.js";
import { password } from "../../src/plugins/password/index.js";
import { createTestStore, type TestStore } from "../support/store.js";

const basePath = "/v1/auth";
const pass = "correct horse battery staple";

let s: TestStore;
let auth: ReturnType<typeof createAuthsome<[ReturnType<typeof password>]>>;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  s = await createTestStore();
  auth = createAuthsome({
    store: s.store,
    plugins: [password()],
    mailer: memoryMailer(),
    config: { development: true, basePath, rateLimits: false },
  });
  await auth.start();
});

afterAll(async () => {
  for (const close of closers) await close();
  await auth?.stop();
  await s?.t.drop();
});

/** Listens on a free loopback port; closed after the file. */
async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function listenFastify(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: "127.0.0.1" });
  closers.push(() => app.close());
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

let count = 0;
const newEmail = (label: string) => `${label}-${++count}@example.com`;

function signUp(origin: string, email: string): Promise<Response> {
  return fetch(`${origin}${basePath}/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: pass }),
  });
}

/** `name=value` of each Set-Cookie, and the attributes by cookie name. */
function cookiesOf(res: Response): { values: Map<string, string>; lines: Map<string, string> } {
  const values = new Map<string, string>();
  const lines = new Map<string, string>();
  for (const line of res.headers.getSetCookie()) {
    const pair = line.split(";")[0] ?? "";
    const name = pair.slice(0, pair.indexOf("="));
    values.set(name, pair.slice(pair.indexOf("=") + 1));
    lines.set(name, line);
  }
  return { values, lines };
}

/** Sign-up, GET /session by bearer and by cookie, a refresh by cookie alone, and a cookie sign-out from the server's own origin. */
async function expectTheApiWorks(origin: string): Promise<void> {
  const email = newEmail("mounted");
  const res = await signUp(origin, email);
  expect(res.status, await res.clone().text()).toBe(201);
  const body = (await res.json()) as { session_token: string; user: { email: string } };
  expect(body.user.email).toBe(email);
  expect(res.headers.get("x-request-id")).toBeTruthy();

  const { values, lines } = cookiesOf(res);
  expect(lines.get("authsome_session")).toMatch(/; Path=\/; HttpOnly; SameSite=Lax/);
  expect(lines.get("authsome_refresh")).toContain(`Path=${basePath}/refresh`);
  expect(values.get("authsome_session")).toBe(body.session_token);

  const byBearer = await fetch(`${origin}${basePath}/session`, { headers: { authorization: `Bearer ${body.session_token}` } });
  expect(byBearer.status).toBe(200);
  const cookie = `authsome_session=${values.get("authsome_session")}`;
  const byCookie = await fetch(`${origin}${basePath}/session`, { headers: { cookie } });
  expect(byCookie.status).toBe(200);
  expect(((await byCookie.json()) as { user: { email: string } }).user.email).toBe(email);

  // The refresh cookie alone, with no body and no content type, as a browser sends it.
  const refreshed = await fetch(`${origin}${basePath}/refresh`, {
    method: "POST",
    headers: { cookie: `authsome_refresh=${values.get("authsome_refresh")}`, origin },
  });
  expect(refreshed.status, await refreshed.clone().text()).toBe(200);
  const rotated = cookiesOf(refreshed).values.get("authsome_session");
  expect(rotated).toMatch(/^as_/);
  expect((await fetch(`${origin}${basePath}/session`, { headers: { cookie } })).status).toBe(401);

  const current = `authsome_session=${rotated}`;
  const signOut = await fetch(`${origin}${basePath}/signout`, { method: "POST", headers: { cookie: current, origin } });
  expect(signOut.status).toBe(200);
  expect(cookiesOf(signOut).values.get("authsome_session")).toBe("");
  expect((await fetch(`${origin}${basePath}/session`, { headers: { cookie: current } })).status).toBe(401);
}

/** A host-app route's own session check: the bearer token through `auth.api.getSession`. */
async function hostProfile(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
  const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
  const found = token ? await auth.api.getSession(token) : null;
  return found ? { status: 200, body: { email: found.user.email, session_id: found.session.id } } : { status: 401, body: { error: "sign in first" } };
}

async function expectHostProfile(origin: string): Promise<void> {
  const res = await signUp(origin, newEmail("host"));
  const { session_token: token, user, session } = (await res.json()) as { session_token: string; user: { email: string }; session: { id: string } };
  const profile = await fetch(`${origin}/api/profile`, { headers: { authorization: `Bearer ${token}` } });
  expect({ status: profile.status, body: await profile.json() }).toEqual({ status: 200, body: { email: user.email, session_id: session.id } });
  expect((await fetch(`${origin}/api/profile`)).status).toBe(401);
}

describe("node:http: http.createServer(auth.nodeHandler)", () => {
  it("serves sign-up, GET /session by bearer and by cookie, a refresh by cookie and a cookie sign-out", async () => {
    await expectTheApiWorks(await listen(createServer(auth.nodeHandler)));
  });

  it("answers Authsome's JSON 404 outside basePath", async () => {
    const origin = await listen(createServer(auth.nodeHandler));
    const res = await fetch(`${origin}/elsewhere`);
    expect({ status: res.status, body: await res.json() }).toMatchObject({ status: 404, body: { code: "not_found" } });
  });
});

describe("Express 5", () => {
  const profileRoute: express.RequestHandler = async (req, res) => {
    const { status, body } = await hostProfile(req);
    res.status(status).json(body);
  };

  it("app.all('/v1/auth/*splat', auth.nodeHandler) before express.json(): the API and the host's routes (with parsed bodies) both work", async () => {
    const app = express();
    app.all(`${basePath}/*splat`, auth.nodeHandler);
    app.use(express.json());
    app.get("/api/profile", profileRoute);
    app.post("/api/echo", (req, res) => void res.json({ received: req.body as unknown }));
    const origin = await listen(createServer(app));

    await expectTheApiWorks(origin);
    await expectHostProfile(origin);
    const echo = await fetch(`${origin}/api/echo`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"a":1}' });
    expect(await echo.json()).toEqual({ received: { a: 1 } });
  });

  it("app.use(auth.nodeHandler) serves the API and passes every other path on to the host's routes", async () => {
    const app = express();
    app.use(auth.nodeHandler);
    app.get("/api/profile", profileRoute); // registered after Authsome: still reachable (next() is called)
    const origin = await listen(createServer(app));

    await expectTheApiWorks(origin);
    await expectHostProfile(origin);
    const missing = await fetch(`${origin}/api/missing`);
    expect(missing.status).toBe(404); // Express's own 404, not Authsome's JSON
    expect(missing.headers.get("content-type") ?? "").not.toContain("application/json");
  });

  it("after express.json(), sign-up is refused with 400 invalid_request and no user is created: the parser consumed the body, and nodeHandler does not read req.body", async () => {
    const app = express();
    app.use(express.json());
    app.all(`${basePath}/*splat`, auth.nodeHandler);
    const origin = await listen(createServer(app));

    const email = newEmail("parsed-first");
    const res = await signUp(origin, email);
    expect({ status: res.status, body: await res.json() }).toMatchObject({ status: 400, body: { code: "invalid_request" } });
    const tenant = await s.store.apps.findBySlug(auth.config.appId);
    const env = tenant && (await s.store.environments.findDefaultByAppId(tenant.id));
    expect(await s.store.users.findByEmail({ appId: tenant!.id, envId: env!.id }, email)).toBeNull();
    // Body-less routes are unaffected, which is what makes this easy to miss.
    expect((await fetch(`${origin}${basePath}/health`)).status).toBe(200);
  });

  it("after express.json({ verify }) that keeps the bytes as req.rawBody, nodeHandler reads them and sign-up works", async () => {
    const app = express();
    app.use(express.json({ verify: (req, _res, buf) => void ((req as IncomingMessage & { rawBody?: Buffer }).rawBody = buf) }));
    app.all(`${basePath}/*splat`, auth.nodeHandler);
    const origin = await listen(createServer(app));
    await expectTheApiWorks(origin);
  });

  it("app.use(basePath, auth.nodeHandler) works too: the mount path Express strips is restored from originalUrl", async () => {
    const app = express();
    app.use(basePath, auth.nodeHandler);
    app.get("/api/profile", profileRoute);
    const origin = await listen(createServer(app));
    await expectTheApiWorks(origin);
    await expectHostProfile(origin);
  });
});

describe("Fastify 5", () => {
  it("a catch-all route in a scope without body parsers, handing request.raw/reply.raw to nodeHandler after reply.hijack(), serves the API beside Fastify's routes", async () => {
    const app = Fastify();
    await app.register(async function authsomeRoutes(scope) {
      // Fastify parses bodies before the handler runs; in this scope it leaves the stream for Authsome.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser("*", (_request, _payload, done) => done(null));
      scope.all(`${basePath}/*`, (request, reply) => {
        reply.hijack();
        auth.nodeHandler(request.raw, reply.raw);
      });
    });
    app.get("/api/profile", async (request, reply) => {
      const { status, body } = await hostProfile(request.raw);
      return reply.status(status).send(body);
    });
    const origin = await listenFastify(app);

    await expectTheApiWorks(origin);
    await expectHostProfile(origin);
    // Authsome's own content-type rule answers, not Fastify's.
    const wrongType = await fetch(`${origin}${basePath}/signup`, { method: "POST", headers: { "content-type": "text/plain" }, body: "hi" });
    expect({ status: wrongType.status, body: await wrongType.json() }).toMatchObject({ status: 415, body: { code: "unsupported_media_type" } });
  });

  it("a catch-all route with Fastify's default body parsers gets 400 invalid_request on sign-up: the body was consumed first", async () => {
    const app = Fastify();
    app.all(`${basePath}/*`, (request, reply) => {
      reply.hijack();
      auth.nodeHandler(request.raw, reply.raw);
    });
    const origin = await listenFastify(app);
    const res = await signUp(origin, newEmail("fastify-parsed"));
    expect({ status: res.status, body: await res.json() }).toMatchObject({ status: 400, body: { code: "invalid_request" } });
  });

  it("@fastify/express: fastify.use(auth.nodeHandler) runs before Fastify parses bodies and leaves Fastify's routes alone", async () => {
    const app = Fastify();
    await app.register(fastifyExpress);
    app.use(auth.nodeHandler);
    app.get("/api/after", async () => "reached");
    const origin = await listenFastify(app);

    await expectTheApiWorks(origin);
    const after = await fetch(`${origin}/api/after`);
    expect({ status: after.status, body: await after.text() }).toEqual({ status: 200, body: "reached" });
  });
});
