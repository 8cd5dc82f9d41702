// The example server behind `npm start` (examples/server.ts), run as a real process from an empty temp directory —
// its imports resolve from the repository, its ./.authsome from the working directory — and driven with real fetch.
import { access, mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, isPostgres, type TestDatabase } from "../support/database.js";
import { type Example, killRunningExamples, startExample } from "../support/example-process.js";
import { startGitHubStandIn } from "../support/github-standin.js";

const embeddedOnly = "the embedded-database variant runs in the pglite project; the postgres project runs it with DATABASE_URL";

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

interface DevMail {
  to: string;
  subject: string;
  text: string;
  html: string | null;
  sent_at: string;
}

const oldPassword = "correct horse battery staple";
const newPassword = "a brand new passphrase";

/** Sign-up, session check, forgot-password, the reset link from /dev/mail, reset, and sign-in with the new password. */
async function walkThePasswordReset(server: Example, email: string): Promise<void> {
  const signUp = await post(`${server.api}/signup`, { email, password: oldPassword });
  expect(signUp.status, await signUp.clone().text()).toBe(201);
  const { session_token: token } = (await signUp.json()) as { session_token: string };

  const session = await fetch(`${server.api}/session`, { headers: { authorization: `Bearer ${token}` } });
  expect(session.status).toBe(200);
  expect(((await session.json()) as { user: { email: string } }).user.email).toBe(email);

  expect((await post(`${server.api}/forgot-password`, { email })).status).toBe(200);
  const mailbox = await fetch(`${server.origin}/dev/mail`);
  expect(mailbox.headers.get("content-type")).toMatch(/^application\/json/);
  const mails = (await mailbox.json()) as DevMail[];
  const reset = mails.find((mail) => mail.to === email && mail.subject === "Reset your password");
  expect(reset, JSON.stringify(mails)).toBeDefined();
  expect(Object.keys(reset ?? {}).sort()).toEqual(["html", "sent_at", "subject", "text", "to"]);
  expect(reset?.sent_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  // appUrl defaults to the server's own origin.
  const link = new URL(/https?:\/\/\S+/.exec(reset?.text ?? "")?.[0] ?? "");
  expect(`${link.origin}${link.pathname}`).toBe(`${server.origin}/reset-password`);
  expect(reset?.html).toContain(link.href);
  // The console mailer printed the same message.
  expect(server.stdout()).toContain(`To: ${email}\nSubject: Reset your password`);

  // Following the link in a browser shows how to finish.
  const page = await fetch(link);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain(`${server.api}/reset-password`);
  const forged = await fetch(`${server.origin}/reset-password?token=${encodeURIComponent("x' ; rm -rf ~ ; '")}`);
  expect({ status: forged.status, text: await forged.text() }).toEqual({ status: 400, text: "This link has no valid token.\n" });

  const resetRes = await post(`${server.api}/reset-password`, { token: link.searchParams.get("token"), new_password: newPassword });
  expect(resetRes.status, await resetRes.clone().text()).toBe(200);
  expect((await post(`${server.api}/signin`, { email, password: oldPassword })).status).toBe(401);
  expect((await post(`${server.api}/signin`, { email, password: newPassword })).status).toBe(200);
  // A reset revokes every session of the user.
  expect((await fetch(`${server.api}/session`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
}

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(join(tmpdir(), "authsome-example-"));
});
afterEach(async () => {
  killRunningExamples(); // only after a failed case
  await rm(cwd, { recursive: true, force: true });
});

// A fresh ./.authsome/data costs PGlite an initdb and every migration: slow on a loaded machine, hence the timeouts.
const processTimeoutMs = 180_000;

describe.skipIf(isPostgres)(`npm start on the embedded database (${isPostgres ? embeddedOnly : "PGlite in ./.authsome/data"})`, () => {
  it("prints its URL and a curl sign-up, serves / and the API, walks a password reset through /dev/mail, and exits 0 on SIGTERM releasing the lock", { timeout: processTimeoutMs }, async () => {
    const server = await startExample(cwd);
    expect(server.api).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/auth$/);
    expect(server.stdout()).toContain(`curl -s ${server.api}/signup -H 'content-type: application/json'`);
    const lock = join(cwd, ".authsome", "data.lock");
    await access(lock);

    const landing = await fetch(`${server.origin}/`);
    expect(landing.status).toBe(200);
    expect(await landing.text()).toContain(`${server.origin}/dev/mail`);
    expect((await fetch(`${server.api}/health`)).status).toBe(200);

    await walkThePasswordReset(server, "ada@example.com");
    // A second signal while stopping (Ctrl-C reaches npm, tsx and the server, and tsx relays it) is not fatal.
    expect(await server.stop("SIGTERM", "SIGINT")).toBe(0);
    // Node may run the two handlers in either order; one shutdown runs, the repeat is ignored.
    expect(server.stdout().match(/^SIG(TERM|INT): draining \(up to \d+ ms\), then exiting$/gm)).toHaveLength(1);
    expect(server.stdout()).toMatch(/^stopped$/m);
    expect(server.stderr()).toBe("");
    await expect(access(lock)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("generates the secret once (0600, 48 random bytes), refuses a second process, and reuses secret and data after SIGINT", { timeout: processTimeoutMs }, async () => {
    const first = await startExample(cwd);
    const secretPath = join(cwd, ".authsome", "secret");
    const secret = (await readFile(secretPath, "utf8")).trim();
    expect(Buffer.from(secret, "base64url")).toHaveLength(48);
    expect((await stat(secretPath)).mode & 0o777).toBe(0o600);
    expect(first.stdout()).toContain("./.authsome/secret (generated now)");
    expect((await post(`${first.api}/signup`, { email: "grace@example.com", password: oldPassword })).status).toBe(201);

    // PGlite does not lock its directory; the example refuses rather than corrupt it, in one line.
    await expect(startExample(cwd)).rejects.toThrow(/exited \(1\) before listening:[\s\S]*authsome example: The embedded database \S+ is in use by another process/);
    expect((await fetch(`${first.api}/health`)).status).toBe(200);
    expect(await first.stop("SIGINT")).toBe(0);

    const second = await startExample(cwd);
    expect(second.stdout()).toContain("./.authsome/secret (from an earlier start)");
    expect((await readFile(secretPath, "utf8")).trim()).toBe(secret);
    expect((await post(`${second.api}/signin`, { email: "grace@example.com", password: oldPassword })).status).toBe(200);
    expect(await second.stop()).toBe(0);
  });

  it("in production with AUTHSOME_SECRET set: no /dev/mail and no secret file", { timeout: processTimeoutMs }, async () => {
    // The SMTP server is never contacted: nothing here sends mail.
    const server = await startExample(cwd, {
      NODE_ENV: "production",
      AUTHSOME_SECRET: "s".repeat(48),
      SMTP_URL: "smtp://127.0.0.1:1",
      MAIL_FROM: "noreply@example.com",
    });
    const res = await fetch(`${server.origin}/dev/mail`);
    expect({ status: res.status, body: await res.json() }).toMatchObject({ status: 404, body: { code: "not_found" } });
    expect(await (await fetch(`${server.origin}/`)).text()).not.toContain("/dev/mail");
    expect(server.stdout()).not.toContain(".authsome/secret");
    await expect(access(join(cwd, ".authsome", "secret"))).rejects.toMatchObject({ code: "ENOENT" });
    expect(await server.stop()).toBe(0);
  });

  it("in production without SMTP_URL: exits 1 with one line naming what is missing", { timeout: processTimeoutMs }, async () => {
    await expect(startExample(cwd, { NODE_ENV: "production" })).rejects.toThrow(/exited \(1\) before listening:\s*authsome example: NODE_ENV=production needs SMTP_URL[^\n]*\n$/);
  });
});

describe.skipIf(!isPostgres)(`npm start with DATABASE_URL (${isPostgres ? "a fresh PostgreSQL database" : "postgres project only"})`, () => {
  let t: TestDatabase | undefined;
  afterEach(async () => {
    await t?.drop();
    t = undefined;
  });

  it("migrates the given database, walks a password reset through /dev/mail and exits 0 on SIGTERM", { timeout: processTimeoutMs }, async () => {
    t = await createTestDatabase();
    const server = await startExample(cwd, { DATABASE_URL: t.url as string });
    await walkThePasswordReset(server, "ada@example.com");
    expect(await server.stop("SIGTERM")).toBe(0);
    await expect(access(join(cwd, ".authsome", "data"))).rejects.toMatchObject({ code: "ENOENT" });
    const [row] = await t.query<{ n: string }>("SELECT count(*)::text AS n FROM authsome_users");
    expect(row?.n).toBe("1");
  });

  it("with GITHUB_CLIENT_ID/SECRET signs in with GitHub (a stand-in on GITHUB_BASE_URL) in a browser's steps, and always offers magic links", { timeout: processTimeoutMs }, async () => {
    t = await createTestDatabase();
    const gh = await startGitHubStandIn();
    try {
      gh.addUser({ id: 4242, login: "ada", name: "Ada Lovelace", emails: [{ email: "ada@example.com", primary: true, verified: true }] });
      gh.authorizeAs("ada");
      const server = await startExample(cwd, {
        DATABASE_URL: t.url as string,
        GITHUB_CLIENT_ID: gh.clientId,
        GITHUB_CLIENT_SECRET: gh.clientSecret,
        GITHUB_BASE_URL: gh.baseUrl,
        GITHUB_API_URL: gh.apiBaseUrl,
      });
      expect(server.stdout()).toContain(`open ${server.api}/social/github`);
      // The browser: the start redirects to GitHub with the seed's callback URL and sets the binding cookie.
      const start = await fetch(`${server.api}/social/github`, { redirect: "manual" });
      expect(start.status).toBe(302);
      const authorize = new URL(start.headers.get("location") as string);
      expect(authorize.searchParams.get("redirect_uri")).toBe(`${server.api}/social/github/callback`);
      const cookie = start.headers.getSetCookie().map((c) => c.split(";", 1)[0]).join("; ");
      const back = await gh.approve(authorize.href);
      const callback = await fetch(back, { redirect: "manual", headers: { cookie } });
      expect(callback.status, await callback.clone().text()).toBe(302);
      expect(callback.headers.get("location")).toBe(server.origin); // appUrl: this server
      const session = callback.headers.getSetCookie().find((c) => c.startsWith("authsome_session="))?.split(";", 1)[0] as string;
      const me = await fetch(`${server.api}/session`, { headers: { cookie: session } });
      expect(((await me.json()) as { user: { email: string } }).user.email).toBe("ada@example.com");

      // Magic links are on: the mailed link's page shows the verify call, which signs the same user in.
      expect((await post(`${server.api}/magic-link/send`, { email: "ada@example.com" })).status).toBe(200);
      const mails = (await (await fetch(`${server.origin}/dev/mail`)).json()) as DevMail[];
      const link = new URL(/https?:\/\/\S+/.exec(mails.find((m) => m.to === "ada@example.com")?.text ?? "")?.[0] ?? "");
      expect(`${link.origin}${link.pathname}`).toBe(`${server.origin}/magic-link`);
      expect(await (await fetch(link)).text()).toContain(`${server.api}/magic-link/verify`);
      const verified = await post(`${server.api}/magic-link/verify`, { token: link.searchParams.get("token") });
      expect(verified.status, await verified.clone().text()).toBe(200);
      expect(((await verified.json()) as { user: { email: string } }).user.email).toBe("ada@example.com");
      expect(await server.stop("SIGTERM")).toBe(0);
    } finally {
      await gh.close();
    }
  });
});
