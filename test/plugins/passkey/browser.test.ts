// The passkey plugin in a real browser: headless Chromium with a CDP virtual authenticator, a page on the API's own
// origin (one node:http server on http://localhost:<port> serves the engine under its basePath, the page and
// @simplewebauthn/browser's ES modules) that signs up with a password, registers a passkey, signs out and signs back
// in with it, no email typed — cookies, the CSRF origin check, WebAuthn's origin and RP ID binding all as a browser
// does them. Skipped without /usr/bin/chromium; REQUIRE_BROWSER=1 makes that a failure.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, CDPSession, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { passkey } from "../../../src/plugins/passkey/index.js";
import { countRows, type TestEngine, uniqueEmail } from "../../support/engine.js";
import { createPasskeyEngine, type PasskeyEngine, password } from "./support.js";

const chromiumPath = "/usr/bin/chromium";
const hasBrowser = existsSync(chromiumPath);
const browserRequired = process.env.REQUIRE_BROWSER === "1";
const skipReason = `${chromiumPath} does not exist`;
if (!hasBrowser && !browserRequired) console.warn(`passkey browser test skipped: ${skipReason} (REQUIRE_BROWSER=1 makes this a failure)`);

/** A second engine on the same database and app, mounted on the same origin, whose passkey plugin requires user verification. */
const strictBase = "/uv/auth";
const pageDir = fileURLToPath(new URL("./page/", import.meta.url));
// The package's `import` entry is esm/index.js; its `require` entry is script/index.js, next to esm/.
const vendorDir = join(dirname(createRequire(import.meta.url).resolve("@simplewebauthn/browser")), "..", "esm");
const contentTypes: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".map": "application/json" };

/** A file under `root` (never outside it), or a 404. */
async function sendFile(res: ServerResponse, root: string, relative: string): Promise<void> {
  const file = resolve(root, `.${relative}`);
  const type = contentTypes[extname(file)];
  if (!file.startsWith(root.endsWith(sep) ? root : root + sep) || !type) {
    res.writeHead(404).end();
    return;
  }
  try {
    const body = await readFile(file);
    res.writeHead(200, { "content-type": type, "cache-control": "no-store" }).end(body);
  } catch {
    res.writeHead(404).end();
  }
}

function serveStatic(req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? "/").split("?")[0] ?? "/";
  const vendor = "/vendor/simplewebauthn/";
  const sent = path.startsWith(vendor) ? sendFile(res, vendorDir, `/${path.slice(vendor.length)}`) : sendFile(res, pageDir, path === "/" ? "/index.html" : path);
  sent.catch((err: unknown) => res.destroy(err as Error));
}

/** What the page's `window.authsome` functions resolve to. */
interface CallResult {
  status: number;
  body: any;
}
interface CeremonyResult extends Partial<CallResult> {
  step: "options" | "ceremony" | "verify";
  error?: string;
  message?: string;
  ceremonyMs?: number;
  options?: Record<string, any>;
  assertion?: Record<string, any>;
  replayed?: CallResult;
}
interface LoginOptions {
  overrides?: Record<string, unknown>;
  replay?: boolean;
  base?: string;
}

/** The flags byte of an assertion's authenticator data (UP 0x01, UV 0x04). */
const flags = (login: CeremonyResult) => Buffer.from(String(login.assertion?.response.authenticatorData ?? ""), "base64url")[32] ?? -1;

/** A credential as `WebAuthn.getCredentials` reports it (binary fields in standard base64). */
interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  userHandle?: string;
  userName?: string;
  signCount: number;
}

if (!hasBrowser && browserRequired) {
  describe("passkeys in headless Chromium (REQUIRE_BROWSER=1)", () => {
    it("needs Chromium", () => {
      throw new Error(`REQUIRE_BROWSER=1 but ${skipReason}: install chromium (apt-get install chromium) or unset REQUIRE_BROWSER`);
    });
  });
}

describe.skipIf(!hasBrowser)(hasBrowser ? "passkeys in headless Chromium" : `passkeys in headless Chromium (skipped: ${skipReason})`, () => {
  let e: PasskeyEngine;
  let strict: TestEngine;
  let server: Server;
  let origin: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;
  let browserStarted: number;
  let pageReady: number;
  let user: { id: string; email: string; token: string };

  // The page's functions (page.js); the test's own lib has no DOM, so they are reached through globalThis.
  const signUp = (email: string) => page.evaluate(([m, p]) => (globalThis as any).authsome.signUp(m, p) as Promise<CallResult>, [email, password] as const);
  const signOut = () => page.evaluate(() => (globalThis as any).authsome.signOut() as Promise<CallResult>);
  const me = () => page.evaluate(() => (globalThis as any).authsome.me() as Promise<CallResult>);
  const listPasskeys = () => page.evaluate(() => (globalThis as any).authsome.passkeys() as Promise<CallResult>);
  const registerPasskey = (name: string) => page.evaluate((n) => (globalThis as any).authsome.registerPasskey(n) as Promise<CeremonyResult>, name);
  const passkeyLogin = (options: LoginOptions = {}) => page.evaluate((o) => (globalThis as any).authsome.passkeyLogin(o) as Promise<CeremonyResult>, options);
  const credentials = async () => ((await cdp.send("WebAuthn.getCredentials", { authenticatorId })) as { credentials: VirtualCredential[] }).credentials;
  const sessionCookie = async () => (await context.cookies(origin)).find((c) => c.name === "authsome_session");

  beforeAll(async () => {
    // One server, so the page and the API share an origin: the strict engine, then the main engine, then the files.
    server = createServer((req, res) => strict.auth.nodeHandler(req, res, () => e.auth.nodeHandler(req, res, () => serveStatic(req, res))));
    await new Promise<void>((done, fail) => {
      server.once("error", fail);
      server.listen(0, "127.0.0.1", () => done());
    });
    // WebAuthn refuses IP addresses as RP IDs: the page is opened on localhost.
    origin = `http://localhost:${(server.address() as AddressInfo).port}`;
    e = await createPasskeyEngine({ passkey: { timeout: "20s" }, engine: { config: { appUrl: origin } } });
    strict = await e.sibling({
      plugins: [passkey({ rpId: "localhost", timeout: "20s", userVerification: "required" })],
      config: { appUrl: origin, basePath: strictBase },
    });

    browserStarted = performance.now();
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: ["--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    });
    context = await browser.newContext();
    page = await context.newPage();
    cdp = await context.newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    ({ authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    }));
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => (globalThis as any).pageReady === true);
    pageReady = performance.now();
  });

  afterAll(async () => {
    const flowsDone = performance.now();
    await context?.close().catch(() => {});
    await browser?.close();
    if (browserStarted !== undefined && pageReady !== undefined) {
      const ms = (from: number, to: number) => Math.round(to - from);
      const closed = performance.now();
      console.log(
        `passkey browser test (${process.env.AUTHSOME_TEST_DRIVER}): browser part ${ms(browserStarted, closed)} ms ` +
          `(launch + page ${ms(browserStarted, pageReady)} ms, flows ${ms(pageReady, flowsDone)} ms, close ${ms(flowsDone, closed)} ms)`,
      );
    }
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    }
    await strict?.drop();
    await e?.drop();
  });

  it("signs up with a password, registers a passkey, signs out and signs back in with it, no email typed", async () => {
    expect(await page.evaluate(() => (globalThis as any).authsome.secure() as boolean)).toBe(true);

    // Sign up: the session cookie is set on the page's origin (HttpOnly: the page never sees the token in it).
    const email = uniqueEmail("pk-browser");
    const signedUp = await signUp(email);
    expect(signedUp.status, JSON.stringify(signedUp.body)).toBe(201);
    user = { id: signedUp.body.user.id, email, token: signedUp.body.session_token };
    expect(await sessionCookie()).toMatchObject({ value: user.token, httpOnly: true, sameSite: "Lax" });

    // Register: a cookie-authenticated POST from our own origin passes the CSRF check; the browser signs the creation.
    const registered = await registerPasskey("Chromium");
    expect(registered.step).toBe("verify");
    expect(registered.status, JSON.stringify(registered)).toBe(201);
    expect(registered.body).toMatchObject({ name: "Chromium", transports: ["internal"], device_type: "singleDevice", backed_up: false, flagged: false });
    const listed = await listPasskeys();
    expect(listed.body.items.map((p: { id: string }) => p.id)).toEqual([registered.body.id]);

    // The authenticator holds one discoverable credential for the RP localhost whose user handle is the user's id.
    const [credential, ...others] = await credentials();
    expect(others).toEqual([]);
    expect(credential).toMatchObject({ isResidentCredential: true, rpId: "localhost", userName: email });
    expect(Buffer.from(credential!.userHandle ?? "", "base64").toString("utf8")).toBe(user.id);
    const credentialId = Buffer.from(credential!.credentialId, "base64").toString("base64url");
    const [stored] = await e.t.query<{ id: string; credential_id: string; counter: string }>("SELECT id, credential_id, counter FROM authsome_passkeys WHERE user_id = $1", [user.id]);
    expect(stored).toMatchObject({ id: registered.body.id, credential_id: credentialId });
    const registeredCounter = Number(stored!.counter);

    // Sign out: the cookie goes, and the page is anonymous.
    expect((await signOut()).status).toBe(200);
    expect(await sessionCookie()).toBeUndefined();
    expect((await me()).status).toBe(401);

    // Sign in with the passkey: no email, no allowCredentials — the authenticator offers its resident credential.
    const login = await passkeyLogin({ replay: true });
    expect(login.step, JSON.stringify(login)).toBe("verify");
    expect(login.options?.allowCredentials ?? []).toEqual([]);
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    expect(login.body.user.id).toBe(user.id);
    expect(login.body.session_token).toBeTruthy();
    expect(login.body.session_token).not.toBe(user.token);
    expect(login.assertion?.response.userHandle).toBe(Buffer.from(user.id, "utf8").toString("base64url"));
    // The same answer again: the ceremony was single-use.
    expect(login.replayed).toMatchObject({ status: 401, body: { code: "invalid_passkey" } });

    // The page is signed in again with the cookie the sign-in set: the same user.
    expect(await sessionCookie()).toMatchObject({ value: login.body.session_token });
    const after = await me();
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ id: user.id, email });

    // Server side: the counter moved forward to the authenticator's, the use is recorded with user verification.
    const [used] = await e.t.query<{ counter: string; last_used_at: Date | null }>("SELECT counter, last_used_at FROM authsome_passkeys WHERE id = $1", [registered.body.id]);
    expect(Number(used!.counter)).toBeGreaterThanOrEqual(1);
    expect(Number(used!.counter)).toBeGreaterThan(registeredCounter);
    expect(Number(used!.counter)).toBe((await credentials())[0]?.signCount);
    expect(used!.last_used_at).not.toBeNull();
    const [event] = await e.t.query<{ metadata: { passkey_id: string; user_verified: boolean } }>(
      "SELECT metadata FROM authsome_audit_events WHERE user_id = $1 AND type = 'passkey.used'",
      [user.id],
    );
    expect(event?.metadata).toMatchObject({ passkey_id: registered.body.id, user_verified: true });
  });

  it("without user verification: the browser refuses a ceremony that requires it, and the server refuses an assertion without it", async () => {
    expect(user, "the first test signs up and registers").toBeDefined();
    await cdp.send("WebAuthn.setUserVerified", { authenticatorId, isUserVerified: false });
    try {
      // The strict engine asks for user verification; the authenticator cannot give it, so the browser refuses at
      // once (not by running into the 20 s timeout).
      const refused = await passkeyLogin({ base: strictBase });
      expect(refused.options?.userVerification).toBe("required");
      expect(refused, JSON.stringify(refused)).toMatchObject({ step: "ceremony", error: "NotAllowedError" });
      expect(refused.ceremonyMs).toBeLessThan(5_000);

      // A client that ignores the requirement gets an assertion without the UV flag: the strict server refuses it,
      // and no session is made.
      const sessions = await countRows(e, "authsome_sessions WHERE user_id = $1", [user.id]);
      const lied = await passkeyLogin({ base: strictBase, overrides: { userVerification: "discouraged" } });
      expect(lied.step, JSON.stringify(lied)).toBe("verify");
      expect(flags(lied) & 0x04, "UV flag").toBe(0);
      expect(lied).toMatchObject({ status: 401, body: { code: "invalid_passkey" } });
      expect(await countRows(e, "authsome_sessions WHERE user_id = $1", [user.id])).toBe(sessions);

      // The same kind of assertion signs in where verification is only preferred — recorded as not user-verified.
      const lenient = await passkeyLogin({ overrides: { userVerification: "discouraged" } });
      expect(flags(lenient) & 0x04, "UV flag").toBe(0);
      expect(lenient.status, JSON.stringify(lenient.body)).toBe(200);
      expect(lenient.body.user.id).toBe(user.id);
      expect(await countRows(e, "authsome_audit_events WHERE user_id = $1 AND type = 'passkey.used' AND metadata->>'user_verified' = 'false'", [user.id])).toBe(1);
    } finally {
      await cdp.send("WebAuthn.setUserVerified", { authenticatorId, isUserVerified: true });
    }

    // With verification back, the strict engine signs the same credential in: the refusals were about UV alone.
    const verified = await passkeyLogin({ base: strictBase });
    expect(verified.status, JSON.stringify(verified)).toBe(200);
    expect(verified.body.user.id).toBe(user.id);
    expect(flags(verified) & 0x04, "UV flag").toBe(0x04);
  });
});
