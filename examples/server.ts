// `npm start`: Authsome's HTTP API with the password, magic-link and passkey plugins (and GitHub sign-in when
// configured) on a plain node:http server, to try with curl or a browser.
//
//   HOST, PORT          where it listens (default 127.0.0.1:3000); the API is at http://HOST:PORT/v1/auth
//   DATABASE_URL        a PostgreSQL server; without it, the embedded database in ./.authsome/data (PGlite). Behind
//                       PgBouncer in transaction mode, add ?pgbouncer=true (no named prepared statements)
//   AUTHSOME_SECRET     seals stored secrets; without it, one is generated once into ./.authsome/secret
//   APP_URL             where links in mail point (a path is kept), also trusted for CORS (default: this server's
//                       own origin); links are never built from a request's Host header
//   GITHUB_CLIENT_ID,   a GitHub OAuth app's credentials: enables "Sign in with GitHub" at GET /v1/auth/social/github
//   GITHUB_CLIENT_SECRET  (register the callback http://HOST:PORT/v1/auth/social/github/callback with the app)
//   GITHUB_BASE_URL,    GitHub Enterprise Server: https://ghe.example.com and https://ghe.example.com/api/v3
//   GITHUB_API_URL        (default github.com and api.github.com)
//   PASSKEY_RP_ID,      the passkeys' RP ID and the origins allowed to use them, comma-separated (default: APP_URL's
//   PASSKEY_ORIGINS       host and origin; for an IP address, localhost on any port — open http://localhost:PORT)
//   SHUTDOWN_TIMEOUT_MS on SIGTERM/SIGINT: how long in-flight requests and queued mail may take (default 10000)
//   NODE_ENV            not "production": mail is printed and kept at GET /dev/mail. "production": no mailbox,
//                       and mail goes through SMTP_URL (from MAIL_FROM), since printed reset links would land in logs.
//
// In an application the imports below are "authsome", "authsome/plugins/<name>" and "authsome/store/postgres".
import { createServer } from "node:http";
import { drizzle } from "drizzle-orm/pglite";
import { consoleMailer, createAuthsome, type Mailer, memoryMailer, type MemoryMailer, smtpMailer } from "../src/index.js";
import { magicLink } from "../src/plugins/magic-link/index.js";
import { passkey } from "../src/plugins/passkey/index.js";
import { password } from "../src/plugins/password/index.js";
import { github, social } from "../src/plugins/social/index.js";
import { createPostgresStore, openEmbeddedDatabase, postgresStore } from "../src/store/postgres/index.js";
import { fanOutMailer, sendMailbox } from "./dev-mail.js";
import { loadOrCreateSecret } from "./dev-secret.js";

const env = process.env;
const host = env.HOST || "127.0.0.1";
const port = Number(env.PORT || 3000);
const basePath = "/v1/auth";
const origin = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
const appUrl = env.APP_URL || origin;

/** Startup failures are one line, without a stack trace. */
function fail(message: string): never {
  console.error(`authsome example: ${message}`);
  process.exit(1);
}

if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`PORT must be a port number from 1 to 65535, not "${env.PORT}"`);
const shutdownTimeoutMs = Number(env.SHUTDOWN_TIMEOUT_MS || 10_000);
if (!Number.isSafeInteger(shutdownTimeoutMs) || shutdownTimeoutMs < 0) fail(`SHUTDOWN_TIMEOUT_MS must be a whole number of milliseconds, not "${env.SHUTDOWN_TIMEOUT_MS}"`);

let mailbox: MemoryMailer | undefined;
let mailer: Mailer;
if (env.NODE_ENV === "production") {
  if (!env.SMTP_URL) fail("NODE_ENV=production needs SMTP_URL (and MAIL_FROM): the console mailer and /dev/mail are for development");
  mailer = smtpMailer({ url: env.SMTP_URL, from: env.MAIL_FROM || "noreply@localhost" });
} else {
  mailbox = memoryMailer();
  mailer = fanOutMailer(consoleMailer(), mailbox);
}

let secret = env.AUTHSOME_SECRET;
if (!secret) {
  const generated = await loadOrCreateSecret(".authsome/secret");
  secret = generated.secret;
  console.log(`Secret: ./.authsome/secret (${generated.created ? "generated now" : "from an earlier start"}); set AUTHSOME_SECRET to use your own`);
}

// One process at a time may open the embedded database: openEmbeddedDatabase takes ./.authsome/data.lock, and the
// store's close() closes PGlite and releases that lock.
const embedded = env.DATABASE_URL ? undefined : await openEmbeddedDatabase().catch((err: Error) => fail(err.message));
const store = embedded
  ? postgresStore(drizzle(embedded.client), { close: embedded.close })
  : createPostgresStore(env.DATABASE_URL as string);

// GitHub sign-in only with both credentials; one without the other is a mistake worth a clear stop.
if (Boolean(env.GITHUB_CLIENT_ID) !== Boolean(env.GITHUB_CLIENT_SECRET)) fail("set both GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET, or neither");
let gitHub: ReturnType<typeof github> | null = null;
try {
  if (env.GITHUB_CLIENT_ID) {
    gitHub = github({
      clientId: env.GITHUB_CLIENT_ID,
      clientSecret: env.GITHUB_CLIENT_SECRET as string,
      redirectURI: `${origin}${basePath}/social/github/callback`,
      ...(env.GITHUB_BASE_URL ? { baseUrl: env.GITHUB_BASE_URL } : {}),
      ...(env.GITHUB_API_URL ? { apiBaseUrl: env.GITHUB_API_URL } : {}),
    });
  }
} catch (err) {
  fail((err as Error).message); // e.g. GITHUB_BASE_URL on plain http: away from localhost
}

const passkeyOrigins = env.PASSKEY_ORIGINS?.split(",").map((o) => o.trim()).filter(Boolean);
function createExampleAuth() {
  return createAuthsome({
    store,
    plugins: [
      password(),
      magicLink(),
      passkey({ ...(env.PASSKEY_RP_ID ? { rpId: env.PASSKEY_RP_ID } : {}), ...(passkeyOrigins?.length ? { origins: passkeyOrigins } : {}) }),
      ...(gitHub ? [social({ providers: [gitHub] })] : []),
    ],
    mailer,
    config: { appId: "example", basePath, appUrl, trustedOrigins: [appUrl], secret },
  });
}
const auth = (() => {
  try {
    return createExampleAuth();
  } catch (err) {
    return fail((err as Error).message); // e.g. passkeys on a plain http: APP_URL away from localhost
  }
})();

const landing = `Authsome example server

API          ${origin}${basePath}   (its OpenAPI document: ${basePath}/openapi.json)
${mailbox ? `Mailbox      ${origin}/dev/mail   (every mail sent, as JSON)\n` : ""}${gitHub ? `GitHub       ${origin}${basePath}/social/github   (open it in a browser to sign in)\n` : ""}Passkeys     ${basePath}/passkeys/…   (from a page on an allowed origin; see the README's "Passkeys")\n`;

// Links in mail point at appUrl: this server answers them with the curl command that completes the step, as an
// application's pages would with a form.
const linkSteps: Record<string, (token: string) => string> = {
  "/reset-password": (token) => `-d '{"token":"${token}","new_password":"a new password"}' ${origin}${basePath}/reset-password`,
  "/verify-email": (token) => `-d '{"token":"${token}"}' ${origin}${basePath}/verify-email`,
  "/unlock-account": (token) => `-d '{"token":"${token}"}' ${origin}${basePath}/unlock-account`,
  "/magic-link": (token) => `-d '{"token":"${token}"}' ${origin}${basePath}/magic-link/verify`,
};

let stopping = false;
const server = createServer((req, res) => {
  const [path = "/", query = ""] = (req.url ?? "/").split("?"); // not new URL(): a malformed target would throw
  if (stopping && !path.startsWith(basePath)) {
    // Draining: the API answers 503 shutting_down itself; this server's own pages do the same.
    res.writeHead(503, { connection: "close", "retry-after": "5", "content-type": "text/plain; charset=utf-8" }).end("Shutting down.\n");
    return;
  }
  const token = new URLSearchParams(query).get("token") ?? "";
  const text = (status: number, body: string) => res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(body);
  if (req.method === "GET" && path === "/") {
    text(200, landing);
  } else if (req.method === "GET" && path === "/dev/mail" && mailbox) {
    // Mail is sent after each response: let what is queued land first, so a script can read it right away.
    const box = mailbox;
    void auth.flushMail().then(() => sendMailbox(box, res));
  } else if (req.method === "GET" && linkSteps[path]) {
    // Tokens are base64url; anything else is refused rather than echoed into a shell command.
    if (!/^[A-Za-z0-9_-]{1,256}$/.test(token)) text(400, "This link has no valid token.\n");
    else text(200, `To finish, run:\n\ncurl -s -H 'content-type: application/json' ${linkSteps[path]?.(token)}\n`);
  } else {
    auth.nodeHandler(req, res); // the API under /v1/auth; a JSON 404 anywhere else
  }
});

try {
  await auth.start(); // migrates core + every enabled plugin's group, then ensures the "example" app
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
} catch (err) {
  await store.close().catch(() => {});
  fail((err as Error).message);
}

console.log(`Sign up:  curl -s ${origin}${basePath}/signup -H 'content-type: application/json' \\
            -d '{"email":"ada@example.com","password":"correct horse battery staple"}'`);
console.log(`Magic link: curl -s ${origin}${basePath}/magic-link/send -H 'content-type: application/json' -d '{"email":"ada@example.com"}'`);
if (gitHub) console.log(`GitHub:   open ${origin}${basePath}/social/github in a browser`);
if (mailbox) console.log(`Mailbox:  curl -s ${origin}/dev/mail`);
console.log(`Authsome example listening on ${origin}${basePath}`); // last: scripts may wait for this line

async function shutdown(signal: NodeJS.Signals): Promise<void> {
  // Ctrl-C reaches npm, tsx and this process at once, and tsx relays it again: repeats are ignored, not fatal.
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: draining (up to ${shutdownTimeoutMs} ms), then exiting`);
  setTimeout(() => fail(`shutdown took longer than ${shutdownTimeoutMs + 5_000} ms`), shutdownTimeoutMs + 5_000).unref();
  // No new connections; idle keep-alive ones close at once. What still arrives on a busy one gets 503 + Connection: close.
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  await auth.stop({ timeoutMs: shutdownTimeoutMs }); // in-flight requests finish, then queued mail is sent; closes the mailer
  server.closeAllConnections(); // past the drain: whatever is left
  await closed;
  await store.close();
  console.log("stopped");
  process.exitCode = 0;
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => void shutdown(signal).catch((err: Error) => fail(`shutdown failed: ${err.message}`)));
}
