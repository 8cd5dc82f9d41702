// Secrets at rest (shared/spec/quality.md): after a full end-to-end run through the HTTP API, no raw secret the
// client saw — session and refresh tokens, reset and verification link tokens, verification codes, passwords, a
// social sign-in's state, browser binding and authorization code, the provider's access and refresh tokens, and the
// second factor's — the TOTP seed (base32, and its raw bytes in hex, base64 and as bytes), the codes answered with,
// the recovery codes (as shown and normalised) and the sign-in tickets — is stored anywhere. Every text, JSON and
// bytea column of every authsome_* table (found through information_schema, so a new table or column is scanned
// without touching this file) is searched for each of them. Hashes of the secrets may appear; they are hashes.
import * as OTPAuth from "otpauth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashToken } from "../../src/crypto/tokens.js";
import { createAuthsome } from "../../src/authsome.js";
import { memoryMailer } from "../../src/mail/memory.js";
import { mfa } from "../../src/plugins/mfa/index.js";
import { password } from "../../src/plugins/password/index.js";
import { github, social } from "../../src/plugins/social/index.js";
import { type GitHubStandIn, startGitHubStandIn } from "../support/github-standin.js";
import { createTestStore, type TestStore } from "../support/store.js";

const basePath = "/v1/auth";
const origin = "http://localhost";

type Body = Record<string, unknown>;

let s: TestStore;
let mailer: ReturnType<typeof memoryMailer>;
let auth: ReturnType<typeof createAuthsome>;
/** GitHub, for a social sign-in whose provider tokens (an expiring access token and a refresh token) are kept. */
let gh: GitHubStandIn;
const githubCallback = `${origin}${basePath}/social/github/callback`;

beforeAll(async () => {
  s = await createTestStore();
  mailer = memoryMailer();
  gh = await startGitHubStandIn({ callbackUrl: githubCallback });
  gh.expiringTokens(true);
  // Rate limits off: they are not under test, and the run signs in and verifies several times from one client.
  auth = createAuthsome({
    store: s.store,
    plugins: [
      password(),
      social({ providers: [github({ clientId: gh.clientId, clientSecret: gh.clientSecret, redirectURI: githubCallback, baseUrl: gh.baseUrl, apiBaseUrl: gh.apiBaseUrl })] }),
      mfa(),
    ],
    mailer,
    config: { development: true, basePath, appUrl: "http://app.test", rateLimits: false },
  });
  await auth.start();
});

afterAll(async () => {
  await auth?.stop();
  await s?.t.drop();
  await gh?.close();
});

async function call(method: string, path: string, body?: Body, token?: string, extra: Record<string, string> = {}): Promise<{ status: number; body: Body; headers: Headers }> {
  const headers = new Headers({ "user-agent": "secrets-at-rest", ...extra });
  if (token) headers.set("authorization", `Bearer ${token}`);
  if (body) headers.set("content-type", "application/json");
  const res = await auth.handler(
    new Request(`${origin}${basePath}${path}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) }),
  );
  const device = /authsome_device=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1];
  if (device) keep("device cookie", `the device cookie of ${method} ${path}`, decodeURIComponent(device));
  await auth.flushMail(); // mail goes out after the response
  return { status: res.status, body: (await res.json()) as Body, headers: res.headers };
}

/** Status and body together, so a failed step shows what the server said. */
async function expectStatus(pending: Promise<{ status: number; body: Body }>, status: number): Promise<Body> {
  const res = await pending;
  expect(res, JSON.stringify(res.body)).toMatchObject({ status });
  return res.body;
}

/** The `token` query parameter of the link in the last mail to `to`. */
function mailedLinkToken(to: string, path: string): string {
  const text = mailer.lastTo(to)?.text ?? "";
  const link = text.match(/https?:\/\/\S+/)?.[0];
  expect(link, `a link in the mail to ${to}`).toBeDefined();
  const url = new URL(link as string);
  expect(url.origin + url.pathname).toBe(`http://app.test${path}`);
  return url.searchParams.get("token") as string;
}

function mailedCode(to: string): string {
  const code = mailer.lastTo(to)?.text.match(/code: (\d{6})\b/)?.[1];
  expect(code, `a 6-digit code in the mail to ${to}`).toBeDefined();
  return code as string;
}

type SecretKind =
  | "session token"
  | "refresh token"
  | "reset token"
  | "verification token"
  | "verification code"
  | "unlock token"
  | "device cookie"
  | "password"
  | "oauth state"
  | "oauth binding cookie"
  | "oauth authorization code"
  | "provider access token"
  | "provider refresh token"
  | "totp seed"
  | "totp seed (hex)"
  | "totp code"
  | "recovery code"
  | "recovery code (normalised)"
  | "mfa ticket";
interface Secret {
  kind: SecretKind;
  label: string;
  value: string;
}
const secrets: Secret[] = [];
const shapes: Record<SecretKind, RegExp> = {
  "session token": /^as_[A-Za-z0-9_-]{43}$/,
  "refresh token": /^ar_[A-Za-z0-9_-]{43}$/,
  "reset token": /^pr_[A-Za-z0-9_-]{43}$/,
  "verification token": /^ev_[A-Za-z0-9_-]{43}$/,
  "verification code": /^\d{6}$/,
  "unlock token": /^ul_[A-Za-z0-9_-]{43}$/,
  "device cookie": /^[A-Za-z0-9_-]{22}\.\d+\.v[0-9a-f]{8}\.[0-9a-f]{64}$/,
  password: /^.{8,}$/,
  "oauth state": /^os_[A-Za-z0-9_-]{43}$/,
  "oauth binding cookie": /^ob_[A-Za-z0-9_-]{43}$/,
  "oauth authorization code": /^[0-9a-f]{20}$/,
  "provider access token": /^gho_[A-Za-z0-9]{36}$/,
  "provider refresh token": /^ghr_[A-Za-z0-9]{36}$/,
  // 20 random bytes (160 bits), base32 without padding, as POST /mfa/totp/enroll shows it.
  "totp seed": /^[A-Z2-7]{32}$/,
  "totp seed (hex)": /^[0-9a-f]{40}$/,
  "totp code": /^\d{6}$/,
  "recovery code": /^[2-9a-hjkmnp-z]{5}-[2-9a-hjkmnp-z]{5}$/,
  "recovery code (normalised)": /^[2-9a-hjkmnp-z]{10}$/,
  "mfa ticket": /^st_[A-Za-z0-9_-]{43}$/,
};
function keep(kind: SecretKind, label: string, value: unknown): string {
  expect(value, `${label} (${kind})`).toMatch(shapes[kind]);
  secrets.push({ kind, label, value: value as string });
  return value as string;
}
function keepSession(label: string, body: Body): { sessionToken: string; refreshToken: string } {
  return {
    sessionToken: keep("session token", `${label}: session token`, body.session_token),
    refreshToken: keep("refresh token", `${label}: refresh token`, body.refresh_token),
  };
}

const ada = "ada@secrets.test";
const bob = "bob@secrets.test";
const cleo = "cleo@secrets.test";
const dora = "dora@secrets.test";

/** Each recovery code kept as shown (`xxxxx-xxxxx`) and as compared (the dash dropped). */
function keepRecoveryCodes(label: string, codes: unknown): string[] {
  expect(codes, `${label}: recovery codes`).toHaveLength(10);
  return (codes as string[]).map((code, i) => {
    keep("recovery code (normalised)", `${label}: recovery code ${i + 1}, without the dash`, code.replace("-", ""));
    return keep("recovery code", `${label}: recovery code ${i + 1}`, code);
  });
}

/**
 * A GitHub flow started with `POST /social/github`: the state and the browser-binding cookie kept as secrets (the
 * cookie is reused when `cookie` is given, as a browser does).
 */
async function startGitHub(label: string, cookie?: string): Promise<{ authUrl: string; cookie: string }> {
  const res = await call("POST", "/social/github", {}, undefined, cookie ? { cookie } : {});
  expect(res, JSON.stringify(res.body)).toMatchObject({ status: 200 });
  const authUrl = res.body.auth_url as string;
  keep("oauth state", `${label}: state`, new URL(authUrl).searchParams.get("state"));
  const binding = /authsome_oauth=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1];
  expect(binding, `${label}: the binding cookie`).toBeDefined();
  const value = decodeURIComponent(binding as string);
  if (!cookie) keep("oauth binding cookie", `${label}: binding cookie`, value);
  return { authUrl, cookie: `authsome_oauth=${value}` };
}

describe("secrets at rest", () => {
  it("runs sign-up, sign-in, refresh, change, forgot and reset password, verification by code and by link, sign-out, a GitHub sign-in and TOTP (enrol, challenge by code and by recovery code, new recovery codes) through the HTTP API", async () => {
    // Ada: sign-up, a failed and a good sign-in, refresh (and a replay of the rotated token), change password.
    const first = keep("password", "Ada's first password", "first correct horse battery");
    const signedUp = keepSession("Ada's sign-up", await expectStatus(call("POST", "/signup", { email: ada, password: first, first_name: "Ada" }), 201));
    const wrong = keep("password", "a wrong password", "wrong staple horse battery");
    await expectStatus(call("POST", "/signin", { email: ada, password: wrong }), 401);
    const signedIn = keepSession("Ada's sign-in", await expectStatus(call("POST", "/signin", { email: ada, password: first }), 200));
    const refreshed = keepSession("Ada's refresh", await expectStatus(call("POST", "/refresh", { refresh_token: signedIn.refreshToken }), 200));
    await expectStatus(call("POST", "/refresh", { refresh_token: signedIn.refreshToken }), 401); // replay: the family is revoked
    const again = keepSession("Ada's second sign-in", await expectStatus(call("POST", "/signin", { email: ada, password: first }), 200));
    const second = keep("password", "Ada's changed password", "second correct horse battery");
    await expectStatus(call("POST", "/change-password", { current_password: first, new_password: second }, again.sessionToken), 200);

    // Forgot and reset with the mailed link token; reset revokes every session, so sign in again.
    await expectStatus(call("POST", "/forgot-password", { email: ada }), 200);
    const resetToken = keep("reset token", "Ada's reset link token", mailedLinkToken(ada, "/reset-password"));
    const third = keep("password", "Ada's reset password", "third correct horse battery");
    await expectStatus(call("POST", "/reset-password", { token: resetToken, new_password: third }), 200);
    await expectStatus(call("GET", "/session", undefined, again.sessionToken), 401);
    const afterReset = keepSession("Ada's sign-in after the reset", await expectStatus(call("POST", "/signin", { email: ada, password: third }), 200));

    // Resend, then verify with the mailed 6-digit code (the same mail's link token is seen too).
    await expectStatus(call("POST", "/verify-email/resend", { email: ada }), 200);
    keep("verification token", "Ada's verification link token", mailedLinkToken(ada, "/verify-email"));
    const adaCode = keep("verification code", "Ada's verification code", mailedCode(ada));
    await expectStatus(call("POST", "/verify-email", { code: adaCode, email: ada }), 200);
    expect(await expectStatus(call("GET", "/me", undefined, afterReset.sessionToken), 200)).toMatchObject({ email_verified: true });

    // Bob: sign-up, resend, then verify with the mailed link token (the same mail's code is seen too).
    const bobs = keep("password", "Bob's password", "bob's correct horse battery");
    const bobSession = keepSession("Bob's sign-up", await expectStatus(call("POST", "/signup", { email: bob, password: bobs }), 201));
    await expectStatus(call("POST", "/verify-email/resend", { email: bob }), 200);
    keep("verification code", "Bob's verification code", mailedCode(bob));
    const bobLink = keep("verification token", "Bob's verification link token", mailedLinkToken(bob, "/verify-email"));
    await expectStatus(call("POST", "/verify-email", { token: bobLink }), 200);
    expect(await expectStatus(call("GET", "/me", undefined, bobSession.sessionToken), 200)).toMatchObject({ email_verified: true });

    // Bob locks himself out; the lock mail's unlock link lifts it.
    for (let i = 0; i < 5; i++) await expectStatus(call("POST", "/signin", { email: bob, password: wrong }), 401);
    await expectStatus(call("POST", "/signin", { email: bob, password: bobs }), 429);
    const unlock = keep("unlock token", "Bob's unlock link token", mailedLinkToken(bob, "/unlock-account"));
    await expectStatus(call("POST", "/unlock-account", { token: unlock }), 200);
    await expectStatus(call("POST", "/signin", { email: bob, password: bobs }), 200);

    // Sign-out.
    await expectStatus(call("POST", "/signout", undefined, afterReset.sessionToken), 200);
    await expectStatus(call("POST", "/signout", undefined, bobSession.sessionToken), 200);
    await expectStatus(call("GET", "/session", undefined, afterReset.sessionToken), 401);

    // Cleo signs in with GitHub (expiring tokens: an access and a refresh token), and starts a second flow she
    // never finishes (its state and sealed flow secrets stay in authsome_ceremonies).
    gh.addUser({ id: 4242, login: "cleo", name: "Cleo Secret", email: null, emails: [{ email: cleo, primary: true, verified: true }] });
    gh.authorizeAs("cleo");
    const flow = await startGitHub("Cleo's GitHub sign-in");
    const location = await gh.approve(flow.authUrl);
    keep("oauth authorization code", "Cleo's GitHub authorization code", location.searchParams.get("code"));
    const social = await expectStatus(call("GET", `/social/github/callback${location.search}`, undefined, undefined, { cookie: flow.cookie, accept: "application/json" }), 200);
    expect(social).toMatchObject({ provider: "github", is_new_user: true, user: { email: cleo } });
    const cleoSession = keepSession("Cleo's GitHub sign-in", social);
    await startGitHub("Cleo's unfinished GitHub flow", flow.cookie);
    const issued = gh.tokens();
    expect(issued.some((t) => t.startsWith("ghr_")), "GitHub issued a refresh token").toBe(true);
    for (const token of issued) {
      keep(token.startsWith("ghr_") ? "provider refresh token" : "provider access token", `GitHub's ${token.slice(0, 3)} token for Cleo`, token);
    }
    expect(await expectStatus(call("GET", "/me", undefined, cleoSession.sessionToken), 200)).toMatchObject({ email: cleo });
    await expectStatus(call("POST", "/signout", undefined, cleoSession.sessionToken), 200); // the last refresh token is a signed-out one

    // Dora turns on TOTP (otpauth is her authenticator app, at the real clock), signs in with a code and with a
    // recovery code, and regenerates her recovery codes. The codes are those of explicit 30-second steps: the verify's
    // step is recorded by the replay guard, so the challenge answers with the next one (the verifier accepts a step
    // of drift either way; a step boundary crossed meanwhile still leaves both within it).
    const doras = keep("password", "Dora's password", "dora's correct horse battery");
    const doraSignUp = keepSession("Dora's sign-up", await expectStatus(call("POST", "/signup", { email: dora, password: doras }), 201));
    const enrolment = await expectStatus(call("POST", "/mfa/totp/enroll", {}, doraSignUp.sessionToken), 200);
    const seed = keep("totp seed", "Dora's TOTP seed", enrolment.secret);
    keep("totp seed (hex)", "Dora's TOTP seed, hex", OTPAuth.Secret.fromBase32(seed).hex.toLowerCase()); // otpauth spells it upper-case
    const app = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(seed), algorithm: "SHA1", digits: 6, period: 30 });
    expect(OTPAuth.URI.parse(enrolment.otpauth_url as string).secret.base32).toBe(seed);
    const step = Math.floor(Date.now() / 30_000);
    const codeOf = (at: number, label: string) => keep("totp code", label, app.generate({ timestamp: at * 30_000 }));
    const verified = await expectStatus(call("POST", "/mfa/totp/verify", { code: codeOf(step, "Dora's enrolment code") }, doraSignUp.sessionToken), 200);
    const firstCodes = keepRecoveryCodes("Dora's enrolment", verified.recovery_codes);

    const challenged = await expectStatus(call("POST", "/signin", { email: dora, password: doras }), 403);
    expect(challenged).toMatchObject({ code: "mfa_required", details: { methods: ["totp", "recovery_code"] } });
    const ticket = keep("mfa ticket", "Dora's first sign-in ticket", (challenged.details as Body).mfa_ticket);
    const byCode = await expectStatus(call("POST", "/mfa/challenge", { mfa_ticket: ticket, code: codeOf(step + 1, "Dora's challenge code") }), 200);
    keepSession("Dora's sign-in with a TOTP code", byCode);

    const challengedAgain = await expectStatus(call("POST", "/signin", { email: dora, password: doras }), 403);
    const ticket2 = keep("mfa ticket", "Dora's second sign-in ticket", (challengedAgain.details as Body).mfa_ticket);
    const byRecovery = await expectStatus(call("POST", "/mfa/challenge", { mfa_ticket: ticket2, recovery_code: firstCodes[0] }), 200);
    const doraSession = keepSession("Dora's sign-in with a recovery code", byRecovery);

    const regenerated = await expectStatus(call("POST", "/mfa/recovery-codes", { recovery_code: firstCodes[1] }, doraSession.sessionToken), 200);
    keepRecoveryCodes("Dora's regenerated codes", regenerated.recovery_codes);
    expect(await expectStatus(call("GET", "/mfa", undefined, doraSession.sessionToken), 200)).toMatchObject({ enabled: true, recovery_codes_remaining: 10 });
    await expectStatus(call("POST", "/signout", undefined, doraSession.sessionToken), 200);

    expect(new Set(secrets.map((x) => x.value)).size).toBe(secrets.length);
    expect(signedUp.sessionToken).not.toBe(refreshed.sessionToken);
  });

  it("stores none of those tokens, codes, seeds or passwords in any text, JSON or bytea column of any authsome_* table", async () => {
    expect(secrets.length).toBeGreaterThanOrEqual(60); // the run above collected them

    const columns = await s.t.query<{ table_name: string; column_name: string; data_type: string; udt_name: string }>(
      `SELECT c.table_name, c.column_name, c.data_type, c.udt_name
         FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.table_name LIKE 'authsome\\_%'
          AND (c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea')
               OR (c.data_type = 'ARRAY' AND c.udt_name IN ('_text', '_varchar', '_bpchar', '_json', '_jsonb', '_bytea'))
               OR c.udt_name = 'citext')
        ORDER BY c.table_name, c.ordinal_position`,
    );
    const tables = new Set(columns.map((c) => c.table_name));
    for (const table of [
      "authsome_users",
      "authsome_sessions",
      "authsome_password_hashes",
      "authsome_verifications",
      "authsome_audit_events",
      "authsome_oauth_accounts",
      "authsome_ceremonies",
      "authsome_mfa_enrollments",
      "authsome_mfa_recovery_codes",
    ]) {
      expect(tables, table).toContain(table);
    }

    /** Every stored value of every column, as text (bytea: the raw bytes, read as latin1 so each byte is a char). */
    const stored: Array<{ where: string; type: string; text: string; bytes?: Buffer }> = [];
    const rows = await s.t.query<{ at: string; type: string; v: string }>(
      columns
        .map(({ table_name: table, column_name: column, data_type: type }) => {
          const expr = type === "bytea" ? `encode("${column}", 'hex')` : `"${column}"::text`;
          return `SELECT '${table}.${column}' AS at, '${type}' AS type, ${expr} AS v FROM "${table}" WHERE "${column}" IS NOT NULL`;
        })
        .join(" UNION ALL "),
    );
    for (const { at, type, v } of rows) {
      const bytes = type === "bytea" ? Buffer.from(v, "hex") : undefined;
      stored.push({ where: at, type, text: bytes ? bytes.toString("latin1") : v, ...(bytes ? { bytes } : {}) });
    }

    // The scan reads real data: the email is stored as is, and the refresh token of a signed-out session as its
    // SHA-256 hex (signed-out sessions are deleted; their refresh hashes are kept to recognise a replay).
    const where = (needle: string) => [...new Set(stored.filter((x) => x.text.includes(needle)).map((x) => x.where))];
    expect(where(ada)).toContain("authsome_users.email");
    const lastRefresh = secrets.find((x) => x.label === "Cleo's GitHub sign-in: refresh token") as Secret; // signed out above
    expect(where(hashToken(lastRefresh.value))).toContain("authsome_revoked_refresh_tokens.token_hash");
    expect(stored.some((x) => x.type === "jsonb")).toBe(true);
    // …and the social sign-in's rows: Cleo's link with its sealed tokens, and the unfinished flow's sealed secrets.
    expect(where(cleo)).toContain("authsome_oauth_accounts.email");
    for (const column of ["access_token_sealed", "refresh_token_sealed"]) expect(stored.map((x) => x.where)).toContain(`authsome_oauth_accounts.${column}`);
    expect(stored.some((x) => x.where.startsWith("authsome_ceremonies.") && x.text.includes("social:github"))).toBe(true);
    // …and the second factor's: Dora's sealed seed, her ten current recovery codes' hashes, and the MFA events.
    expect(stored.filter((x) => x.where === "authsome_mfa_enrollments.secret_sealed")).toHaveLength(1);
    expect(stored.filter((x) => x.where === "authsome_mfa_recovery_codes.code_hash")).toHaveLength(10);
    for (const type of ["mfa.enabled", "mfa.recovery_code_used", "mfa.recovery_codes_regenerated"]) {
      expect(stored.some((x) => x.where === "authsome_audit_events.type" && x.text === type), type).toBe(true);
    }
    // Every token GitHub issued is among the secrets searched for.
    const searched = new Set(secrets.map((x) => x.value));
    expect(gh.tokens().length).toBeGreaterThanOrEqual(2);
    for (const token of gh.tokens()) expect(searched.has(token), token.slice(0, 4)).toBe(true);

    /**
     * The forms a secret could be stored in: as is, escaped inside JSON text, URL-encoded (inside a stored link), and
     * for tokens also their random part alone, that part's raw bytes (for bytea) and those bytes in hex; for the TOTP
     * seed, its base32 in lower case and its raw bytes (for bytea, and as latin1 text), in hex, base64 and base64url.
     */
    function forms(secret: Secret): { texts: string[]; bytes: Buffer[] } {
      const texts = new Set([secret.value, JSON.stringify(secret.value).slice(1, -1), encodeURIComponent(secret.value)]);
      const bytes = [Buffer.from(secret.value, "utf8")];
      if (secret.kind === "totp seed") {
        const raw = Buffer.from(OTPAuth.Secret.fromBase32(secret.value).bytes);
        expect(raw).toHaveLength(20);
        for (const text of [secret.value.toLowerCase(), raw.toString("hex"), raw.toString("base64"), raw.toString("base64url"), raw.toString("latin1")]) texts.add(text);
        bytes.push(raw);
      }
      if (secret.kind === "totp seed (hex)") texts.add(secret.value.toUpperCase());
      const random = /^[a-z]+_([A-Za-z0-9_-]{43})$/.exec(secret.value)?.[1];
      if (random) {
        const raw = Buffer.from(random, "base64url");
        texts.add(random);
        texts.add(raw.toString("hex"));
        texts.add(raw.toString("base64"));
        bytes.push(raw);
      }
      return { texts: [...texts], bytes };
    }

    const found: string[] = [];
    for (const secret of secrets) {
      if (secret.kind === "verification code" || secret.kind === "totp code") {
        // A 6-digit code (a mailed verification code, or a TOTP code Dora answered with) is short enough to turn up
        // by chance inside other values: ids are TypeIDs whose base32
        // suffix mixes digits and letters, and hashes are hex. (Timestamps are not text columns, so they are not
        // scanned.) So the code counts as found only where a value is exactly the code or contains it as a run of
        // digits of its own — delimited by non-digits or the ends of the value — which a stored code would be,
        // alone or inside JSON or a link; the chance of such a run appearing at random in the few ids and hashes
        // of this run is negligible.
        const delimited = new RegExp(`(?<!\\d)${secret.value}(?!\\d)`);
        for (const value of stored) if (delimited.test(value.text)) found.push(`${value.where} holds ${secret.label}`);
        continue;
      }
      const { texts, bytes } = forms(secret);
      for (const value of stored) {
        const hit = value.bytes ? bytes.some((b) => value.bytes?.includes(b)) || texts.some((t) => value.text.includes(t)) : texts.some((t) => value.text.includes(t));
        if (hit) found.push(`${value.where} holds ${secret.label}`);
      }
    }
    console.info(
      `secrets at rest: scanned ${stored.length} values in ${columns.length} text/JSON/bytea columns of ${tables.size} authsome_* tables for ${secrets.length} secrets (${[
        ...new Set(secrets.map((x) => x.kind)),
      ].join(", ")})`,
    );
    expect(found).toEqual([]);
  });
});
