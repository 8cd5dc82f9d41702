// `auth.stop({ timeoutMs })` drains, in process: requests already running finish (a plugin route held on a promise
// the test controls keeps one in flight), what arrives meanwhile gets 503 shutting_down with Connection: close and
// Retry-After, /health says unavailable, queued mail goes out, and the timeout bounds it all. Plus `auth.metrics()`.
import { afterEach, describe, expect, it } from "vitest";
import type { Logger } from "../../src/engine/logger.js";
import type { Mailer } from "../../src/mail/mailer.js";
import type { AuthsomePlugin } from "../../src/plugin/index.js";
import { isPostgres } from "../support/database.js";
import { basePath, createTestEngine, origin, type TestEngine, uniqueEmail } from "../support/engine.js";

const pw = "a fine password";

/** Something the test opens when it chooses; `entered` resolves once someone waits on it. */
interface Gate {
  /** Resolves the next time a waiter arrives (at once if one is waiting). */
  entered(): Promise<void>;
  /** How many are waiting now. */
  readonly waiting: number;
  open(): void;
}

function createGate(): Gate & { pass(): Promise<void> } {
  let isOpen = false;
  let waiters: Array<() => void> = [];
  let onEnter: Array<() => void> = [];
  return {
    pass() {
      if (isOpen) return Promise.resolve();
      const passed = new Promise<void>((resolve) => waiters.push(resolve));
      for (const notify of onEnter.splice(0)) notify();
      return passed;
    },
    entered() {
      if (waiters.length > 0) return Promise.resolve();
      return new Promise<void>((resolve) => onEnter.push(resolve));
    },
    get waiting() {
      return waiters.length;
    },
    open() {
      isOpen = true;
      const released = waiters;
      waiters = [];
      for (const resolve of released) resolve();
    },
  };
}

/** A plugin with `GET /test/held`, which answers 200 only once `gate` opens. */
function heldRoute(gate: ReturnType<typeof createGate>): AuthsomePlugin {
  return {
    id: "test-held",
    setup(ctx) {
      ctx.router.get("/test/held", async (c) => {
        await gate.pass();
        return c.json({ held: "done" });
      });
      return {};
    },
  };
}

/** Sends a request straight to the handler (no mail flush, unlike `e.call`). */
function request(e: TestEngine, method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { "user-agent": "vitest-e2e" };
  if (body !== undefined) headers["content-type"] = "application/json";
  return e.auth.handler(new Request(`${origin}${basePath}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }));
}

interface Logged {
  level: keyof Logger;
  message: string;
  fields: Record<string, unknown>;
}

function recordingLogger(): Logger & { entries: Logged[] } {
  const entries: Logged[] = [];
  const record = (level: keyof Logger) => (message: string, fields: Record<string, unknown> = {}) => void entries.push({ level, message, fields });
  return { entries, error: record("error"), warn: record("warn"), info: record("info") } as Logger & { entries: Logged[] };
}

let e: TestEngine | undefined;
let gates: Array<ReturnType<typeof createGate>> = [];
afterEach(async () => {
  for (const gate of gates.splice(0)) gate.open(); // a failed case leaves nothing waiting
  await e?.drop();
  e = undefined;
});

function gate(): ReturnType<typeof createGate> {
  const g = createGate();
  gates.push(g);
  return g;
}

describe(`auth.stop({ timeoutMs }) drains (${isPostgres ? "PostgreSQL" : "PGlite"})`, () => {
  it("waits for the request in flight while refusing new ones (503 shutting_down, Connection: close, Retry-After; /health unavailable), then resolves", async () => {
    const held = gate();
    e = await createTestEngine({ plugins: [heldRoute(held)] });
    const engine = e;
    const events: string[] = [];

    const first = request(engine, "GET", "/test/held").then((res) => (events.push("first answered"), res));
    await held.entered();
    expect(engine.auth.metrics().requests.inFlight).toBe(1);

    const stopped = engine.auth.stop({ timeoutMs: 30_000 }).then(() => events.push("stop resolved"));
    expect(engine.auth.metrics().draining).toBe(true);

    const refused = await engine.call("POST", "/signup", { body: { email: uniqueEmail("late"), password: pw } });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ code: "shutting_down" });
    expect(refused.headers.get("connection")).toBe("close");
    expect(refused.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
    // Another route of the plugin is refused the same way: the gate is in front of every route.
    const again = await request(engine, "GET", "/test/held");
    expect(again.status).toBe(503);
    expect(((await again.json()) as { code: string }).code).toBe("shutting_down");
    expect(held.waiting).toBe(1); // that one never reached the route

    const health = await engine.call("GET", "/health");
    expect({ status: health.status, body: health.body }).toEqual({ status: 503, body: { status: "unavailable" } });
    expect(health.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
    expect(health.headers.get("connection")).toBe("close");

    const metrics = engine.auth.metrics();
    expect(metrics.draining).toBe(true);
    expect(metrics.requests.inFlight).toBe(1); // the refused ones are done; the held one is not
    expect(events).toEqual([]); // stop() has not resolved while the request runs

    held.open();
    const res = await first;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ held: "done" });
    await stopped;
    expect(events).toEqual(["first answered", "stop resolved"]);
    expect(engine.auth.metrics().requests.inFlight).toBe(0);
    // Nothing the refused sign-up asked for was written.
    expect(await engine.t.query("SELECT 1 FROM authsome_users")).toEqual([]);
  });

  it("delivers the mail queued before stop() before it resolves", async () => {
    const sending = gate();
    let holdSends = false;
    const events: string[] = [];
    e = await createTestEngine({
      wrapMailer: (box): Mailer => ({
        async send(message) {
          if (holdSends) await sending.pass();
          await box.send(message);
          events.push(`sent ${message.subject}`);
        },
      }),
    });
    const engine = e;
    const email = uniqueEmail("drain-mail");
    expect((await engine.call("POST", "/signup", { body: { email, password: pw } })).status).toBe(201); // flushes its mail
    engine.mailer.clear();
    events.length = 0;

    holdSends = true;
    const forgot = await request(engine, "POST", "/forgot-password", { email });
    expect(forgot.status).toBe(200);
    expect(engine.auth.metrics().mailQueue.size).toBeGreaterThan(0); // queued, not sent
    expect(engine.mailer.messages).toEqual([]);

    const stopped = engine.auth.stop({ timeoutMs: 30_000 }).then(() => {
      events.push("stop resolved");
      return engine.mailer.messages;
    });
    // The queue prepared the mail during the drain and is sending it (had stop() dropped it, it would resolve first).
    await Promise.race([
      sending.entered(),
      stopped.then(() => {
        throw new Error("stop() resolved before the queued mail was sent");
      }),
    ]);
    expect(events).toEqual([]);
    sending.open();
    const atStop = await stopped;
    expect(events).toEqual(["sent Reset your password", "stop resolved"]);
    expect(atStop.map((m) => ({ to: m.to, subject: m.subject }))).toEqual([{ to: email, subject: "Reset your password" }]);
    expect(engine.auth.metrics().mailQueue.size).toBe(0);
  });

  // A timeout of its own: without the bound, stop() would wait for the stuck request for good.
  it("does not wait past timeoutMs for a request that stays stuck: it resolves while the request is still pending, and says so", { timeout: 30_000 }, async () => {
    const held = gate();
    const logger = recordingLogger();
    e = await createTestEngine({ plugins: [heldRoute(held)], logger });
    const engine = e;

    let answered = false;
    const stuck = request(engine, "GET", "/test/held").then((res) => ((answered = true), res));
    await held.entered();

    const startedAt = Date.now();
    await engine.auth.stop({ timeoutMs: 200 });
    const tookMs = Date.now() - startedAt;
    expect(answered).toBe(false);
    expect(held.waiting).toBe(1);
    expect(engine.auth.metrics().requests.inFlight).toBe(1);
    expect(tookMs).toBeLessThan(5_000); // a bound, not a benchmark
    expect(logger.entries).toContainEqual({ level: "error", message: "stop: requests still running at the drain timeout", fields: { inFlight: 1 } });

    held.open();
    expect((await stuck).status).toBe(200);
    expect(engine.auth.metrics().requests.inFlight).toBe(0);
  });

  it("stop() without a request in flight resolves at once and refuses a bad timeoutMs", async () => {
    e = await createTestEngine();
    await expect(e.auth.stop({ timeoutMs: -1 })).rejects.toMatchObject({ code: "invalid_config" });
    expect(e.auth.metrics().draining).toBe(false); // the refused call changed nothing
    await e.auth.stop({ timeoutMs: 30_000 });
    expect(e.auth.metrics().draining).toBe(true);
  });
});

describe(`auth.metrics() (${isPostgres ? "PostgreSQL: with pool figures" : "PGlite: no pool"})`, () => {
  it("reports the pool, requests in flight and handled, the mail queue, the database and draining", async () => {
    e = await createTestEngine();
    const before = e.auth.metrics();
    expect(Object.keys(before).sort()).toEqual(["database", "draining", "mailQueue", "pool", "requests"]);
    expect(before.draining).toBe(false);
    expect(before.requests.inFlight).toBe(0);
    expect(typeof before.requests.total).toBe("number");
    expect(before.mailQueue).toEqual({ size: 0 });
    expect(before.database).toEqual({ available: true, outages: 0 });
    if (isPostgres) {
      const pool = before.pool;
      expect(pool).not.toBeNull();
      expect(Object.keys(pool ?? {}).sort()).toEqual(["errors", "idle", "max", "refused", "total", "waiting"]);
      for (const value of Object.values(pool ?? {})) expect(typeof value).toBe("number");
      expect(pool?.max).toBeGreaterThanOrEqual(1);
      expect(pool?.total).toBeLessThanOrEqual(pool?.max ?? 0);
      expect(pool?.idle).toBeLessThanOrEqual(pool?.total ?? 0);
      expect(pool).toMatchObject({ waiting: 0, refused: 0, errors: 0 });
    } else {
      expect(before.pool).toBeNull();
    }

    expect((await e.call("GET", "/health")).status).toBe(200);
    expect((await e.call("POST", "/signup", { body: { email: uniqueEmail("metrics"), password: pw } })).status).toBe(201);
    expect((await e.call("GET", "/session")).status).toBe(401);
    const after = e.auth.metrics();
    expect(after.requests).toEqual({ inFlight: 0, total: before.requests.total + 3 });
    if (isPostgres) expect(after.pool?.total).toBeGreaterThanOrEqual(1);
  });
});
