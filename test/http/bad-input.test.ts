// Bad input (shared/spec/quality.md): every route of the core, password, social, magic-link, MFA and passkey plugins — read from the engine's own
// OpenAPI document, so a new route is covered without touching this file — is sent a generated table of bad inputs,
// each once without and once with a valid bearer token. Every answer must be a 4xx JSON error `{error, code}`
// (never a 5xx), and the database must be unchanged afterwards.
//
// Every input is built to be genuinely invalid, so "4xx" is the only right answer:
// - schema violations (malformed JSON, wrong content types, non-objects, missing fields, wrong types, unknown fields,
//   oversized bodies, bad path and query parameters) are invalid by construction;
// - strings that a schema may well accept (unicode edge cases, SQL-looking strings) are put into a *base body* that
//   passes validation but that the route must refuse without writing anything (a taken email, an unknown account,
//   an unknown token), so the strings reach the services and the SQL. A route with no such base (one whose every
//   schema-valid body succeeds, such as forgot-password or introspect) gets them next to an unknown field instead.
// Routes whose only input is the auth header (GET /session, POST /signout, …) accept any body, so they are left out
// of the body table; they are sent bad credentials instead. A route that takes no input at all (POST
// /passkeys/login/options: anyone may ask, and any request succeeds) only gets the bad app selectors every route gets.
// Every 400 `invalid_request` must name what it refused in `details.fields`. Inputs aimed at one field whose refusal
// must name it (names, metadata, URLs, unknown fields) say so in `names`: their 400 must name that field (or a path
// under it), and those that no schema may accept (`mustRefuse`) must be that 400 (or a 401 sent without the bearer).
// The MFA routes also get rows of their own: malformed codes, proofs and tickets sent against a real sign-in ticket
// and a real enrolment, each a 400 `invalid_request` that counts no answer on the ticket and no failure on the account.
// The passkey routes' base bodies are a well-formed registration response and assertion (made by a software
// authenticator) that answer no open ceremony, and their `{id}` is also sent another user's real passkey.
import * as OTPAuth from "otpauth";
import { typeid } from "typeid-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthsome } from "../../src/authsome.js";
import { hashToken } from "../../src/crypto/tokens.js";
import { memoryMailer } from "../../src/mail/memory.js";
import { magicLink } from "../../src/plugins/magic-link/index.js";
import { mfa } from "../../src/plugins/mfa/index.js";
import { passkey } from "../../src/plugins/passkey/index.js";
import { password } from "../../src/plugins/password/index.js";
import { github, social } from "../../src/plugins/social/index.js";
import { createTestStore } from "../support/store.js";
import { SoftAuthenticator } from "../support/webauthn-authenticator.js";

const basePath = "/v1/auth";
const origin = "http://localhost";

const s = await createTestStore();
const mailer = memoryMailer();
// Rate limits off: this file sends thousands of requests from one client, and the limiter is not what is under test
// (a 429 would also hide what the route itself does with the input).
const auth = createAuthsome({
  store: s.store,
  // GitHub at a closed port: no bad input may get as far as the provider (that would be a state change anyway).
  plugins: [
    password(),
    social({ providers: [github({ clientId: "bad-input", clientSecret: "bad-input-secret", redirectURI: `${origin}${basePath}/social/github/callback`, baseUrl: "http://127.0.0.1:9", apiBaseUrl: "http://127.0.0.1:9" })] }),
    magicLink(),
    mfa(),
    // The RP `localhost`: any http://localhost:<port> page may run a ceremony (the fixture's passkey is registered so).
    passkey({ rpId: "localhost" }),
  ],
  mailer,
  config: { development: true, basePath, appUrl: "http://app.test", rateLimits: false },
});

// ---------------------------------------------------------------------------------------------------------------
// The routes, from the OpenAPI document (it is served before start(), so the table exists at collection time).

interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  additionalProperties?: boolean | JsonSchema;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
}
interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema: JsonSchema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: JsonSchema }> };
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

const doc = (await (await auth.handler(new Request(`${origin}${basePath}/openapi.json`))).json()) as OpenApiDocument;

function resolve(schema: JsonSchema): JsonSchema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace("#/components/schemas/", "");
  const target = doc.components?.schemas?.[name];
  if (!target) throw new Error(`unresolvable $ref ${schema.$ref}`);
  return resolve(target);
}

interface Route {
  method: string;
  /** The OpenAPI path, `{param}` style. */
  path: string;
  key: string;
  params: Parameter[];
  /** The JSON body's alternatives (one per `anyOf` branch), each an object schema; empty without a body. */
  branches: JsonSchema[];
  bodyRequired: boolean;
}

const skipped = new Set(["GET /openapi.json", "GET /health"]);
const methods = new Set(["get", "post", "put", "patch", "delete"]);
const routes: Route[] = Object.entries(doc.paths)
  .flatMap(([path, operations]) =>
    Object.entries(operations)
      .filter(([method]) => methods.has(method))
      .map(([method, op]): Route => {
        const bodySchema = op.requestBody?.content["application/json"]?.schema;
        const resolved = bodySchema ? resolve(bodySchema) : undefined;
        const branches = resolved ? (resolved.anyOf ?? resolved.oneOf ?? [resolved]).map(resolve) : [];
        return {
          method: method.toUpperCase(),
          path,
          key: `${method.toUpperCase()} ${path}`,
          params: (op.parameters ?? []).filter((p) => p.in === "path" || p.in === "query"),
          branches,
          bodyRequired: op.requestBody?.required ?? false,
        };
      }),
  )
  .filter((route) => !skipped.has(route.key));
const withInputs = routes.filter((r) => r.branches.length > 0 || r.params.length > 0);
/** Routes without any input, credentials included: every request to them succeeds (only a bad app selector is refused). */
const inputless = new Set(["POST /passkeys/login/options"]);
const authHeaderOnly = routes.filter((r) => r.branches.length === 0 && r.params.length === 0 && !inputless.has(r.key));

// ---------------------------------------------------------------------------------------------------------------
// Fixtures: a signed-up user whose bearer token goes with every input, and a bystander who owns a username and a
// session, so that "taken" and "someone else's" are real.

interface Fixtures {
  userId: string;
  email: string;
  sessionToken: string;
  refreshToken: string;
  takenUsername: string;
  otherSessionId: string;
  /**
   * The bystander's registered passkey, and request bodies of the right shape that answer no open ceremony: a
   * registration response to a made-up `pkr_` challenge, and an assertion by that passkey for a made-up ceremony.
   */
  passkey: { otherPasskeyId: string; registration: Row; assertion: Row };
  /** A third user, with TOTP on: their session, and the `mfa_ticket` of a password sign-in they have not answered. */
  mfa: { userId: string; sessionToken: string; ticket: string; app: OTPAuth.TOTP };
}
let fx: Fixtures;

type Row = Record<string, unknown>;
interface DatabaseSnapshot {
  tables: Record<string, { rows: number; digest: string }>;
  user: unknown;
  mails: number;
}
let before: DatabaseSnapshot;

/** Tables whose rows bad input may legitimately add: the rate limiter's counters and the audit trail. */
const notSnapshotted = new Set(["authsome_rate_limits", "authsome_audit_events"]);

async function snapshot(): Promise<DatabaseSnapshot> {
  const tables = await s.t.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name LIKE 'authsome\\_%'
      ORDER BY table_name`,
  );
  const names = tables.map((t) => t.table_name).filter((name) => !notSnapshotted.has(name));
  // Counts, as the contract asks, and a digest of every row so that an UPDATE by bad input shows too.
  const rows = await s.t.query<{ name: string; rows: number; digest: string }>(
    names
      .map(
        (name) =>
          `SELECT '${name}' AS name, count(*)::int AS rows, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS digest FROM "${name}" t`,
      )
      .join(" UNION ALL "),
  );
  const [user] = await s.t.query<{ json: string }>(`SELECT row_to_json(u)::text AS json FROM authsome_users u WHERE id = $1`, [fx.userId]);
  return {
    tables: Object.fromEntries(rows.map((r) => [r.name, { rows: Number(r.rows), digest: r.digest }])),
    user: user ? JSON.parse(user.json) : null,
    mails: mailer.messages.length,
  };
}

async function post(path: string, body: Row, token?: string): Promise<{ status: number; json: Row }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await auth.handler(new Request(`${origin}${basePath}${path}`, { method: "POST", headers, body: JSON.stringify(body) }));
  return { status: res.status, json: (await res.json()) as Row };
}

async function signUp(body: Row): Promise<Row> {
  const { status, json } = await post("/signup", body);
  if (status !== 201) throw new Error(`fixture sign-up failed: ${status} ${JSON.stringify(json)}`);
  return json;
}

/**
 * A user who turned TOTP on through the routes (otpauth as the app, at the real clock) and then signed in with the
 * password: the sign-in's ticket stays open and unanswered for the MFA rows.
 */
async function signUpWithMfa(email: string, password: string): Promise<Fixtures["mfa"]> {
  const signedUp = await signUp({ email, password });
  const sessionToken = signedUp.session_token as string;
  const expectOk = (step: string, res: { status: number; json: Row }, status = 200) => {
    if (res.status !== status) throw new Error(`fixture ${step} failed: ${res.status} ${JSON.stringify(res.json)}`);
    return res.json;
  };
  const enrolment = expectOk("MFA enrolment", await post("/mfa/totp/enroll", {}, sessionToken));
  const app = OTPAuth.URI.parse(enrolment.otpauth_url as string);
  if (!(app instanceof OTPAuth.TOTP)) throw new Error(`fixture MFA enrolment: not a TOTP key URI: ${String(enrolment.otpauth_url)}`);
  expectOk("MFA verify", await post("/mfa/totp/verify", { code: app.generate() }, sessionToken));
  const challenged = expectOk("MFA sign-in", await post("/signin", { email, password }), 403);
  if (challenged.code !== "mfa_required") throw new Error(`fixture MFA sign-in: ${JSON.stringify(challenged)}`);
  return { userId: (signedUp.user as Row).id as string, sessionToken, ticket: (challenged.details as Row).mfa_ticket as string, app };
}

/** The page origin the passkey ceremonies come from (accepted for the RP `localhost`). */
const pageOrigin = "http://localhost:3000";
/** A challenge of the plugin's shape (`pkr_…`, `pkc_…`) that no ceremony was begun with, as options carry it. */
const unknownChallenge = (prefix: string) => Buffer.from(`${prefix}${"A".repeat(43)}`, "utf8").toString("base64url");

/** The bystander registers a passkey through the routes; the bases are made by the same authenticator, never sent. */
async function registerBystanderPasskey(sessionToken: string): Promise<Fixtures["passkey"]> {
  const authenticator = new SoftAuthenticator();
  const options = await post("/passkeys/register/options", {}, sessionToken);
  if (options.status !== 200) throw new Error(`fixture passkey options failed: ${options.status} ${JSON.stringify(options.json)}`);
  const response = authenticator.register(options.json.options as Parameters<SoftAuthenticator["register"]>[0], pageOrigin);
  const verified = await post("/passkeys/register/verify", { response }, sessionToken);
  if (verified.status !== 201) throw new Error(`fixture passkey registration failed: ${verified.status} ${JSON.stringify(verified.json)}`);
  const registration = new SoftAuthenticator().register(
    {
      rp: { id: "localhost", name: "bad input" },
      user: { id: Buffer.from("ausr_nobody").toString("base64url"), name: "nobody", displayName: "nobody" },
      challenge: unknownChallenge("pkr_"),
      pubKeyCredParams: [{ alg: -7, type: "public-key" }],
    },
    pageOrigin,
  );
  const assertion = authenticator.authenticate({ rpId: "localhost", challenge: unknownChallenge("pkc_"), allowCredentials: [] }, pageOrigin);
  // The bases pass the schemas and are refused by the service (so the strings put into them reach it), writing nothing.
  for (const [path, body, expected] of [
    ["/passkeys/register/verify", { response: registration }, "400 invalid_passkey"],
    ["/passkeys/login/verify", { ceremony_id: `pkl_${"A".repeat(43)}`, response: assertion }, "401 invalid_passkey"],
  ] as const) {
    const res = await post(path, body as unknown as Row, sessionToken);
    if (`${res.status} ${String(res.json.code)}` !== expected) throw new Error(`fixture passkey base for ${path}: ${res.status} ${JSON.stringify(res.json)} (expected ${expected})`);
  }
  return { otherPasskeyId: verified.json.id as string, registration: registration as unknown as Row, assertion: assertion as unknown as Row };
}

beforeAll(async () => {
  await auth.start();
  const signedUp = await signUp({ email: "victim@bad-input.test", password: "correct horse battery staple" });
  const other = await signUp({ email: "bystander@bad-input.test", password: "correct horse battery staple", username: "taken_name" });
  fx = {
    userId: (signedUp.user as Row).id as string,
    email: "victim@bad-input.test",
    sessionToken: signedUp.session_token as string,
    refreshToken: signedUp.refresh_token as string,
    takenUsername: "taken_name",
    otherSessionId: (other.session as Row).id as string,
    passkey: await registerBystanderPasskey(other.session_token as string),
    mfa: await signUpWithMfa("two-factor@bad-input.test", "correct horse battery staple"),
  };
  await auth.flushMail(); // the sign-ups' verification mail, sent after their responses
  before = await snapshot();
});

// ---------------------------------------------------------------------------------------------------------------
// The input generator.

type Category =
  | "malformed JSON"
  | "wrong content type"
  | "JSON that is not an object"
  | "missing required field"
  | "wrong type"
  | "unicode edge case"
  | "SQL-looking string"
  | "huge number"
  | "unknown field"
  | "bad URL"
  | "oversized body"
  | "deeply nested JSON"
  | "bad path parameter"
  | "bad query parameter"
  | "bad credentials"
  | "bad publishable key"
  | "malformed MFA proof";

interface BadInput {
  category: Category;
  label: string;
  method: string;
  /** Below basePath, query included. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Carries its own credentials, so it is not repeated with the bearer token. */
  ownCredentials?: boolean;
  /** A 400 must name `field` (or a path under it) in `details.fields`; with `mustRefuse`, the answer must be that 400. */
  names?: { field: string; mustRefuse?: boolean };
}

const unicodeStrings: Record<string, string> = {
  "a lone high surrogate": "\uD800",
  "a lone low surrogate": "a\uDC00b",
  NUL: "a\u0000b",
  "an RTL override": "\u202Eexe.txt",
  "10k characters": "a".repeat(10_000),
  emoji: "😀👩‍👩‍👧‍👦🏳️‍🌈",
  "combining marks": "Z\u0351\u0360a\u0336\u0337l\u0489g\u0338o\u0335",
  "zero-width characters and a BOM": "\u200B\u200D\uFEFFx",
  "CRLF and a header": "a\r\nSet-Cookie: authsome_session=x",
  "an empty string": "",
};
const sqlStrings: Record<string, string> = {
  "' OR 1=1 --": "' OR 1=1 --",
  '"; DROP TABLE authsome_users; --': '"; DROP TABLE authsome_users; --',
  "a UNION SELECT": "x' UNION SELECT token_hash FROM authsome_sessions --",
  "a LIKE wildcard": "%_%\\",
};
/** Fields holding a person's name: they refuse control characters, bidi overrides and lone surrogates. */
const nameFields = new Set(["first_name", "last_name"]);
/** The `unicodeStrings` a name must refuse, and those metadata (keys and values) must refuse. */
const refusedInNames = new Set(["a lone high surrogate", "a lone low surrogate", "NUL", "an RTL override", "CRLF and a header", "10k characters"]);
const refusedInMetadata = new Set(["a lone high surrogate", "a lone low surrogate", "NUL", "10k characters"]);
/** For string fields of `format: "uri"`: none is an absolute https: (or, in development, http:) URL. */
const badUrls: Record<string, string> = {
  "a javascript: URL": "javascript:alert(1)",
  "a data: URL": "data:text/html,<script>alert(1)</script>",
  "a relative path": "/a.png",
  "a protocol-relative URL": "//evil.test/a.png",
  "a whitespace-padded URL": " https://cdn.test/a.png ",
  "a URL with credentials": "https://u:p@cdn.test/a.png",
  "an ftp: URL": "ftp://cdn.test/a.png",
};
/** Raw JSON number literals, spliced into bodies as text. */
const hugeNumbers = ["1e309", "-1e309", "9007199254740993", "-0", "1e-400", "123456789012345678901234567890"];

const kindOf = (schema: JsonSchema): "string" | "boolean" | "number" | "object" | "unknown" => {
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  if (type === "string" || type === "boolean" || type === "object") return type;
  if (type === "integer" || type === "number") return "number";
  if (schema.additionalProperties !== undefined && typeof schema.additionalProperties === "object") return "object";
  return "unknown";
};

const wrongTypes: Record<ReturnType<typeof kindOf>, unknown[]> = {
  string: [0, 12345, -1.5, true, false, null, [], ["x"], {}, { x: "y" }],
  boolean: ["true", "false", 1, 0, null, [], {}],
  number: ["1", true, null, [], {}],
  object: ["x", 1, true, null, [], [["k", "v"]]],
  unknown: [],
};

/** A value that satisfies the field's declared type (placeholders: bodies built on them are invalid elsewhere). */
function placeholder(schema: JsonSchema): unknown {
  switch (kindOf(schema)) {
    case "boolean":
      return false;
    case "number":
      return 1;
    case "object":
      return {};
    default:
      return schema.format === "email" ? "nobody@bad-input.test" : "x";
  }
}

/** A valid id format that names nothing (`^ases_…$` → a fresh TypeID), or "x" when the pattern says nothing. */
function absentId(schema: JsonSchema): string {
  const prefix = /^\^([a-z]+)_/.exec(schema.pattern ?? "")?.[1];
  return prefix ? typeid(prefix).toString() : "x";
}

/** A sign-in ticket of the right shape that no sign-in issued. */
const unknownTicket = `st_${"A".repeat(43)}`;

/**
 * Bodies that pass validation but that the route must refuse without writing: the strings under test are put into
 * these, so they travel past the schema to the services and SQL. Keyed by route; a route not listed here (or a
 * field no base has) falls back to a body that carries an unknown field as well.
 */
function knownBases(f: Fixtures): Record<string, Row[]> {
  return {
    // 409 email_taken (the transaction rolls back); the password is hashed first, so the strings reach argon2 too.
    "POST /signup": [{ email: f.email, password: "another long password" }],
    // 401 invalid_credentials: no such account (an unknown account records no lockout failure).
    "POST /signin": [
      { email: "nobody@bad-input.test", password: "not the password" },
      { username: "nobody_here", password: "not the password" },
    ],
    // 401 invalid_refresh_token.
    "POST /refresh": [{ refresh_token: `ar_${"A".repeat(43)}` }],
    // 409 username_taken with the bearer (the UPDATE fails as a whole), 401 without.
    "PATCH /me": [{ username: f.takenUsername }],
    // 401 invalid_credentials (wrong current password) with the bearer, 401 unauthorized without.
    "POST /change-password": [{ current_password: "not the password", new_password: "another long password" }],
    // 400 invalid_token.
    "POST /reset-password": [{ token: `pr_${"A".repeat(43)}`, new_password: "another long password" }],
    // 400 invalid_token / invalid_code (no verification is pending for anyone); a bare code without the bearer: 401.
    "POST /verify-email": [{ token: `ev_${"A".repeat(43)}` }, { code: "000000", email: "nobody@bad-input.test" }, { code: "000000" }],
    // 401 invalid_credentials (a wrong password) with the bearer, 401 unauthorized without.
    "DELETE /me": [{ password: "not the password" }],
    // 400 invalid_token.
    "POST /unlock-account": [{ token: `ul_${"A".repeat(43)}` }],
    "POST /magic-link/verify": [{ token: `ml_${"A".repeat(43)}` }],
    // 400 invalid_redirect: checked before a state is begun.
    "POST /social/{provider}": [{ redirect_to: "https://evil.test/" }],
    "POST /social/{provider}/link": [{ redirect_to: "https://evil.test/" }],
    // 400 invalid_ticket: a well-formed ticket that names no sign-in (the session is not used when a ticket is sent).
    "POST /mfa/totp/enroll": [{ mfa_ticket: unknownTicket }],
    // 400 invalid_ticket; without a ticket, 400 mfa_not_enrolled with the bearer (the fixture user never enrolled), 401 without.
    "POST /mfa/totp/verify": [{ code: "000000", mfa_ticket: unknownTicket }, { code: "000000" }],
    // 400 invalid_ticket, for either proof (nothing is counted for a ticket that names nothing).
    "POST /mfa/challenge": [
      { mfa_ticket: unknownTicket, code: "000000" },
      { mfa_ticket: unknownTicket, recovery_code: "aaaaa-aaaaa" },
    ],
    // 404 mfa_not_enabled with the bearer (checked before any step-up is counted), 401 without.
    "POST /mfa/recovery-codes": [{ code: "000000" }, { recovery_code: "aaaaa-aaaaa" }],
    "DELETE /mfa/totp": [{ code: "000000" }, { recovery_code: "aaaaa-aaaaa" }],
    // 400 invalid_passkey with the bearer: the response answers no open registration (nothing is consumed or stored);
    // 401 without. (POST /passkeys/register/options has no such base: every valid body begins a ceremony.)
    "POST /passkeys/register/verify": [{ response: f.passkey.registration }, { response: f.passkey.registration, name: "Laptop" }],
    // 401 invalid_passkey: a real credential's assertion for a ceremony that was never begun (none is consumed).
    "POST /passkeys/login/verify": [{ ceremony_id: `pkl_${"A".repeat(43)}`, response: f.passkey.assertion }],
    // 404 not_found with the bearer (the `{id}` names no passkey of the caller's), 401 without.
    "PATCH /passkeys/{id}": [{ name: "Laptop" }],
  };
}

/** Path parameters that name something real, so that what is sent with them reaches the services. */
const knownPathParams: Record<string, string> = { provider: "github" };
/**
 * Routes whose free-form string query parameters the service checks itself (the OAuth state, `redirect_to`): they are
 * sent the bad strings too (a parameter without a pattern is otherwise skipped, since any value is schema-valid).
 */
const serviceCheckedQueries = new Set(["GET /social/{provider}", "GET /social/{provider}/callback"]);

const unknownField = "unexpected_field";

function generate(route: Route, f: Fixtures): BadInput[] {
  const inputs: BadInput[] = [];
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const param = route.params.find((p) => p.name === name);
    return encodeURIComponent(knownPathParams[name] ?? (param ? absentId(param.schema) : "x"));
  });
  const add = (category: Category, label: string, body: string | Uint8Array | undefined, headers: Record<string, string> = {}, at = path, names?: BadInput["names"]) =>
    inputs.push({ category, label, method: route.method, path: at, headers, ...(body === undefined ? {} : { body }), ...(names ? { names } : {}) });
  const json = (category: Category, label: string, body: string | Uint8Array, names?: BadInput["names"]) =>
    add(category, label, body, { "content-type": "application/json" }, path, names);

  if (route.branches.length > 0) {
    const bases = knownBases(f)[route.key] ?? [];
    const branchOf = (body: Row) => route.branches.find((b) => Object.keys(body).every((k) => k in (b.properties ?? {})));
    const synth = (branch: JsonSchema): Row =>
      Object.fromEntries((branch.required ?? []).map((name) => [name, placeholder(branch.properties?.[name] ?? {})]));
    const fields = new Map<string, JsonSchema>();
    for (const branch of route.branches) for (const [name, schema] of Object.entries(branch.properties ?? {})) fields.set(name, schema);
    /** Bases for mutating `field`: the known ones whose branch has it, or a synthesized body with an unknown field. */
    const basesFor = (field: string, mustStayInvalid: boolean): Row[] => {
      const known = bases.filter((b) => branchOf(b)?.properties?.[field] !== undefined);
      if (known.length > 0) return known;
      const branch = route.branches.find((b) => b.properties?.[field] !== undefined) ?? {};
      return [mustStayInvalid ? { ...synth(branch), [unknownField]: true } : synth(branch)];
    };
    const anyBase: Row = bases[0] ?? synth(route.branches[0] ?? {});
    const splice = (base: Row, field: string, raw: string) => {
      const marker = "\u0001RAW\u0001";
      return JSON.stringify({ ...base, [field]: marker }).replace(JSON.stringify(marker), raw);
    };

    for (const [label, body] of Object.entries({
      "an unterminated object `{`": "{",
      "an unterminated array `[1,`": "[1,",
      'a lone quote `"`': '"',
      "bare text": "bare text",
      "an empty body": "",
      "trailing garbage": `${JSON.stringify(anyBase)}}`,
      "single quotes": "{'email': 'x'}",
      "a trailing comma": `${JSON.stringify(anyBase).slice(0, -1)},}`,
      "NaN": '{"x": NaN}',
      "a comment": `/* c */ ${JSON.stringify(anyBase)}`,
    })) {
      json("malformed JSON", label, body);
    }
    json("malformed JSON", "invalid UTF-8 bytes", new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0xc0, 0x80, 0x22, 0x3a, 0x31, 0x7d]));

    const payload = JSON.stringify(anyBase);
    add("wrong content type", "text/plain", payload, { "content-type": "text/plain;charset=UTF-8" });
    add("wrong content type", "application/x-www-form-urlencoded", new URLSearchParams(Object.entries(anyBase).map(([k, v]): [string, string] => [k, String(v)])).toString(), {
      "content-type": "application/x-www-form-urlencoded",
    });
    add("wrong content type", "multipart/form-data", `--b\r\nContent-Disposition: form-data; name="x"\r\n\r\n${payload}\r\n--b--\r\n`, {
      "content-type": "multipart/form-data; boundary=b",
    });
    add("wrong content type", "application/xml", `<body>${payload}</body>`, { "content-type": "application/xml" });
    add("wrong content type", "none, with a JSON body", new TextEncoder().encode(payload));

    for (const body of ["[]", "null", "1", '"x"', "true", `[${JSON.stringify(anyBase)}]`, JSON.stringify(JSON.stringify(anyBase))]) {
      json("JSON that is not an object", body.length > 40 ? `${body.slice(0, 40)}…` : body, body);
    }
    json("huge number", "1e309 as the whole body", "1e309");

    const withoutField = (base: Row, name: string) => Object.fromEntries(Object.entries(base).filter(([k]) => k !== name));
    for (const branch of route.branches) {
      const branchBases = bases.filter((b) => branchOf(b) === branch);
      for (const base of branchBases.length > 0 ? branchBases : [synth(branch)]) {
        for (const name of branch.required ?? []) json("missing required field", `without ${name} (of ${Object.keys(base).join(", ")})`, JSON.stringify(withoutField(base, name)));
      }
    }

    for (const [field, schema] of fields) {
      const kind = kindOf(schema);
      // Names and metadata: whatever refuses them must say so by name (`mustRefuse`: inputs no schema may accept).
      const checked = nameFields.has(field) || kind === "object";
      const named = (mustRefuse = false): BadInput["names"] => (checked ? { field, mustRefuse } : undefined);
      for (const base of basesFor(field, false)) {
        for (const wrong of wrongTypes[kind]) json("wrong type", `${field} = ${JSON.stringify(wrong)}`, JSON.stringify({ ...base, [field]: wrong }), named(true));
        for (const raw of hugeNumbers) json("huge number", `${field} = ${raw}`, splice(base, field, raw), named(true));
        if (kind === "string" && schema.format === "uri") {
          for (const [label, value] of Object.entries(badUrls)) json("bad URL", `${field} = ${label}`, JSON.stringify({ ...base, [field]: value }), { field, mustRefuse: true });
        }
      }
      for (const base of basesFor(field, true)) {
        if (kind === "string") {
          for (const [label, value] of Object.entries(unicodeStrings)) {
            json("unicode edge case", `${field} = ${label}`, JSON.stringify({ ...base, [field]: value }), named(refusedInNames.has(label)));
          }
          for (const [label, value] of Object.entries(sqlStrings)) json("SQL-looking string", `${field} = ${label}`, JSON.stringify({ ...base, [field]: value }), named());
          const bytes = new TextEncoder().encode(splice(base, field, '"\u0002"'));
          const at = bytes.indexOf(0x02);
          const invalid = new Uint8Array([...bytes.slice(0, at), 0xff, 0xfe, 0xc0, 0x80, 0xed, 0xa0, 0x80, ...bytes.slice(at + 1)]);
          json("unicode edge case", `${field} = invalid UTF-8 bytes`, invalid, named());
        } else if (kind === "object") {
          // A free-form map: the strings as values, as keys, and a nesting deep enough to trouble a recursive parser.
          for (const [label, value] of Object.entries({ ...unicodeStrings, ...sqlStrings })) {
            const category: Category = label in sqlStrings ? "SQL-looking string" : "unicode edge case";
            const refused = refusedInMetadata.has(label) && category === "unicode edge case";
            json(category, `${field} value = ${label}`, JSON.stringify({ ...base, [field]: { k: value } }), named(refused));
            json(category, `${field} key = ${label}`, JSON.stringify({ ...base, [field]: { [value]: "v" } }), named(refused));
          }
          for (const depth of [1_000, 10_000]) {
            json("deeply nested JSON", `${field} nested ${depth} deep`, splice(base, field, `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`), named(true));
          }
        }
      }
    }

    const strictBase = bases[0] ?? synth(route.branches[0] ?? {});
    const firstKey = Object.keys(strictBase)[0] ?? "email";
    json("unknown field", `${unknownField}`, JSON.stringify({ ...strictBase, [unknownField]: "x" }), { field: unknownField });
    json("unknown field", "__proto__", `${JSON.stringify(strictBase).slice(0, -1)}${Object.keys(strictBase).length ? "," : ""}"__proto__":{"polluted":true}}`, {
      field: "__proto__",
    });
    json("unknown field", "constructor.prototype", JSON.stringify({ ...strictBase, constructor: { prototype: { polluted: true } } }));
    json("unknown field", `${firstKey.toUpperCase()} (the case of a known field changed)`, JSON.stringify({ ...withoutField(strictBase, firstKey), [firstKey.toUpperCase()]: strictBase[firstKey] ?? "x" }));
    json("unknown field", "an id", JSON.stringify({ ...strictBase, id: absentId({ pattern: "^ausr_" }), email_verified: true }));

    const big = 70 * 1024;
    json("oversized body", "70 KB in a known field", JSON.stringify({ ...anyBase, [firstKey]: "a".repeat(big) }));
    json("oversized body", "70 KB of malformed JSON", "{".repeat(big));
    add("oversized body", "70 KB with a content-length that understates it", JSON.stringify({ ...anyBase, [firstKey]: "a".repeat(big) }), {
      "content-type": "application/json",
      "content-length": "64",
    });
    add("oversized body", "70 KB of text/plain", "a".repeat(big), { "content-type": "text/plain" });
  }

  for (const param of route.params) {
    if (param.in === "path") {
      const values: Record<string, string> = {
        x: "x",
        "a bare prefix": "ases_",
        "../../etc (resolved by the URL)": "../../etc",
        "../../etc (percent-encoded)": encodeURIComponent("../../etc"),
        "' OR 1=1 --": encodeURIComponent("' OR 1=1 --"),
        "%00": "%00",
        "a malformed escape %ZZ": "%ZZ",
        "a truncated UTF-8 escape": "%E0%A4%A",
        "an encoded lone surrogate": "%ED%A0%80",
        "10k characters": "a".repeat(10_000),
        emoji: encodeURIComponent("😀"),
        "an id of the wrong kind": encodeURIComponent(absentId({ pattern: "^ausr_" })),
        "a valid id that names nothing": encodeURIComponent(absentId(param.schema)),
        "an upper-cased valid id": encodeURIComponent(absentId(param.schema).toUpperCase()),
        ...(param.name === "id" && route.path.startsWith("/sessions/") ? { "another user's session": encodeURIComponent(f.otherSessionId) } : {}),
        ...(param.name === "id" && route.path.startsWith("/passkeys/") ? { "another user's passkey": encodeURIComponent(f.passkey.otherPasskeyId) } : {}),
      };
      for (const [label, value] of Object.entries(values)) {
        add("bad path parameter", `${param.name} = ${label}`, undefined, {}, route.path.replace(`{${param.name}}`, value));
      }
    } else {
      const kind = kindOf(param.schema);
      const values: Record<string, string> =
        kind === "number"
          ? {
              ...(param.schema.minimum !== undefined ? { [`${param.schema.minimum - 1}`]: String(param.schema.minimum - 1) } : {}),
              ...(param.schema.maximum !== undefined ? { [`${param.schema.maximum + 1}`]: String(param.schema.maximum + 1) } : {}),
              abc: "abc",
              "-1": "-1",
              "1.5": "1.5",
              "1e309": "1e309",
              "9007199254740993": "9007199254740993",
              "-0": "-0",
              empty: "",
              NaN: "NaN",
              Infinity: "Infinity",
              "fullwidth digits": encodeURIComponent("１０"),
              "' OR 1=1 --": encodeURIComponent("' OR 1=1 --"),
            }
          : {
              garbage: "garbage",
              "a bare prefix": "ases_",
              "' OR 1=1 --": encodeURIComponent("' OR 1=1 --"),
              '"; DROP TABLE authsome_users; --': encodeURIComponent('"; DROP TABLE authsome_users; --'),
              "%00": "%00",
              "a malformed escape %ZZ": "%ZZ",
              "an encoded lone surrogate": "%ED%A0%80",
              "10k characters": "a".repeat(10_000),
              emoji: encodeURIComponent("😀"),
              "an id of the wrong kind": encodeURIComponent(absentId({ pattern: "^ausr_" })),
            };
      // A string parameter without a pattern accepts anything, so only constrained parameters get bad values — and
      // those the service checks itself.
      if (kind === "string" && !param.schema.pattern && !param.schema.format && !serviceCheckedQueries.has(route.key)) continue;
      if (serviceCheckedQueries.has(route.key)) {
        // (A lone surrogate cannot be percent-encoded: the encoded one above stands for it.)
        for (const [label, value] of Object.entries({ ...unicodeStrings, ...sqlStrings })) {
          try {
            values[label] = encodeURIComponent(value);
          } catch {
            // URIError: not encodable
          }
        }
      }
      for (const [label, value] of Object.entries(values)) {
        add("bad query parameter", `${param.name}=${label}`, undefined, {}, `${path}?${param.name}=${value}`);
      }
    }
  }
  return inputs;
}

/** For routes whose only input is the auth header: credentials that must not authenticate. */
function badCredentials(route: Route, f: Fixtures): BadInput[] {
  const unsafe = route.method !== "GET";
  const credentials: Record<string, Record<string, string>> = {
    "no credentials": {},
    "a bare `Bearer`": { authorization: "Bearer" },
    "Basic credentials": { authorization: `Basic ${Buffer.from("victim@bad-input.test:correct horse battery staple").toString("base64")}` },
    "an unknown session token": { authorization: `Bearer as_${"A".repeat(43)}` },
    "a token with a character appended": { authorization: `Bearer ${f.sessionToken}x` },
    "the refresh token as a bearer": { authorization: `Bearer ${f.refreshToken}` },
    "a 10k-character token": { authorization: `Bearer ${"a".repeat(10_000)}` },
    "' OR 1=1 -- as a token": { authorization: "Bearer ' OR 1=1 --" },
    "two tokens": { authorization: `Bearer ${f.sessionToken} ${f.sessionToken}` },
    "a garbage session cookie": { cookie: "authsome_session=' OR 1=1 --" },
    ...(unsafe ? { "a valid session cookie from a foreign origin": { cookie: `authsome_session=${f.sessionToken}`, origin: "http://evil.test" } } : {}),
    ...(unsafe ? { "a valid session cookie with no origin": { cookie: `authsome_session=${f.sessionToken}` } } : {}),
  };
  return Object.entries(credentials).map(([label, headers]) => ({
    category: "bad credentials",
    label,
    method: route.method,
    path: route.path,
    headers,
    ownCredentials: true,
  }));
}

/** Every route, with app selectors that name no app: a 401 before anything else is read or written. */
function badPublishableKeys(route: Route): BadInput[] {
  const values: Record<string, string> = {
    empty: "",
    garbage: "garbage",
    "an unknown well-formed key": `pk_live_${"A".repeat(43)}`,
    "a bare prefix": "pk_",
    "' OR 1=1 --": "' OR 1=1 --",
    "a session-token-shaped value": `as_${"A".repeat(43)}`,
    "10k characters": `pk_live_${"a".repeat(10_000)}`,
    "latin-1 bytes": "pk_live_\u00e9\u00ff",
  };
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(absentId(route.params.find((p) => p.name === name)?.schema ?? {})));
  return Object.entries(values).flatMap(([label, value]) => [
    { category: "bad publishable key" as const, label: `header ${label}`, method: route.method, path, headers: { "x-publishable-key": value }, ownCredentials: true },
    {
      category: "bad publishable key" as const,
      label: `query ${label}`,
      method: route.method,
      path: `${path}?publishable_key=${encodeURIComponent(value)}`,
      ownCredentials: true,
    },
  ]);
}

// ---------------------------------------------------------------------------------------------------------------
// Sending and judging.

interface Tally {
  inputs: number;
  requests: number;
  byStatus: Map<number, number>;
  byCategory: Map<Category, number>;
}
const tally: Tally = { inputs: 0, requests: 0, byStatus: new Map(), byCategory: new Map() };

function toRequest(input: BadInput, bearer: string | undefined): Request {
  const headers = new Headers(input.headers);
  if (bearer) headers.set("authorization", `Bearer ${bearer}`);
  const init: RequestInit = { method: input.method, headers };
  if (input.body !== undefined) init.body = input.body;
  return new Request(`${origin}${basePath}${input.path}`, init);
}

/** Sends every input (twice, without and with the bearer, unless it carries its own credentials); returns failures. */
async function sendAll(inputs: BadInput[], name: (input: BadInput) => string): Promise<string[]> {
  const jobs = inputs.flatMap((input) =>
    input.ownCredentials ? [{ input, bearer: undefined }] : [{ input, bearer: undefined }, { input, bearer: fx.sessionToken }],
  );
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    for (let job = jobs[next++]; job; job = jobs[next++]) {
      const { input, bearer } = job;
      const shown = input.path.length > 80 ? `${input.path.slice(0, 80)}…` : input.path;
      const what = `${name(input)} (${input.method} ${shown})${bearer ? " [with bearer]" : ""}`;
      let status = 0;
      try {
        const res = await auth.handler(toRequest(input, bearer));
        status = res.status;
        const contentType = res.headers.get("content-type") ?? "";
        const text = await res.text();
        let body: Row | undefined;
        try {
          body = JSON.parse(text) as Row;
        } catch {
          body = undefined;
        }
        const fields = (body?.details as Row | undefined)?.fields;
        const fieldNames = fields !== null && typeof fields === "object" ? Object.keys(fields) : [];
        const target = input.names?.field;
        const problems = [
          status >= 400 && status < 500 ? undefined : `status ${status}`,
          /^application\/json\b/i.test(contentType) ? undefined : `content-type ${JSON.stringify(contentType)}`,
          typeof body?.error === "string" && typeof body.code === "string" ? undefined : "no string error and code",
          body?.code !== "invalid_request" || fieldNames.length > 0 ? undefined : "invalid_request without details.fields",
          target === undefined || status !== 400 || fieldNames.some((f) => f === target || f.startsWith(`${target}.`))
            ? undefined
            : `a 400 whose details.fields does not name ${target}`,
          // Refused by the schema; without the bearer, a route that needs a session may refuse first with a 401.
          !input.names?.mustRefuse || status === 400 || (status === 401 && !bearer) ? undefined : `not refused as invalid (status ${status})`,
        ].filter((p) => p !== undefined);
        if (problems.length > 0) failures.push(`${what} → ${problems.join(", ")}: ${text.slice(0, 200)}`);
      } catch (err) {
        failures.push(`${what} → threw ${(err as Error).name}: ${(err as Error).message}`);
      }
      tally.requests += 1;
      tally.byStatus.set(status, (tally.byStatus.get(status) ?? 0) + 1);
    }
  };
  // Concurrent, so argon2 (reached by the base bodies) runs on every thread of the pool.
  await Promise.all(Array.from({ length: 8 }, worker));
  tally.inputs += inputs.length;
  for (const input of inputs) tally.byCategory.set(input.category, (tally.byCategory.get(input.category) ?? 0) + 1);
  return failures;
}

afterAll(async () => {
  const categories = [...tally.byCategory].map(([c, n]) => `${c} ${n}`).join(", ");
  const statuses = [...tally.byStatus].sort(([a], [b]) => a - b).map(([st, n]) => `${st}×${n}`).join(" ");
  const defects = Object.keys(knownDefects).length;
  console.info(
    `bad input: tried ${tally.inputs} inputs (${tally.requests} requests, with and without a bearer) on ${routes.length} routes — ${categories}; statuses ${statuses}${defects ? `; ${defects} known defects (500s) listed in knownDefects` : ""}`,
  );
  await auth.stop();
  await s.t.drop();
});

/** How an input is named in failures and in `knownDefects`. */
const inputId = (route: Route, input: BadInput) => `${route.key} — ${input.category}: ${input.label}`;

/**
 * Inputs that currently get a 500, each with its cause. They are kept out of the route tests and asserted on their
 * own with `it.fails`: while the defect lasts that case passes, and once it is fixed it turns red — then delete the
 * entry. Never add an entry without the cause and the fix.
 */
// Inputs known to answer a 5xx, each with its cause; each runs as an `it.fails` case until fixed. Empty: the
// NUL-in-text and deeply-nested-metadata 500s this table found are fixed (store error mapping for plugin queries,
// a bounded metadata schema).
const knownDefects: Record<string, string> = {};

describe("bad input on every route", () => {
  it("reads a route table that covers the core and the plugins' routes", () => {
    const keys = routes.map((r) => r.key);
    for (const key of ["POST /signup", "POST /signin", "POST /refresh", "GET /sessions", "DELETE /sessions/{id}", "PATCH /me", "POST /verify-email"]) {
      expect(keys).toContain(key);
    }
    for (const key of ["GET /social/{provider}", "POST /social/{provider}", "GET /social/{provider}/callback", "DELETE /me/accounts/{provider}", "POST /magic-link/send", "POST /magic-link/verify"]) {
      expect(keys).toContain(key);
    }
    for (const key of ["POST /mfa/totp/enroll", "POST /mfa/totp/verify", "POST /mfa/challenge", "POST /mfa/recovery-codes", "DELETE /mfa/totp", "GET /mfa"]) {
      expect(keys).toContain(key);
    }
    for (const key of [
      "POST /passkeys/register/options",
      "POST /passkeys/register/verify",
      "POST /passkeys/login/options",
      "POST /passkeys/login/verify",
      "GET /passkeys",
      "PATCH /passkeys/{id}",
      "DELETE /passkeys/{id}",
    ]) {
      expect(keys).toContain(key);
    }
    expect(authHeaderOnly.map((r) => r.key).sort()).toEqual(["DELETE /sessions", "GET /me", "GET /me/accounts", "GET /mfa", "GET /session", "POST /signout"]);
    expect(routes.filter((r) => inputless.has(r.key)).map((r) => r.key)).toEqual([...inputless]);
  });

  for (const route of withInputs) {
    it(`${route.key} answers every bad input with a 4xx JSON error, never a 5xx`, async () => {
      const inputs = generate(route, fx).filter((input) => !(inputId(route, input) in knownDefects));
      expect(inputs.length).toBeGreaterThan(0);
      expect(await sendAll(inputs, (input) => inputId(route, input))).toEqual([]);
    });
  }

  it(`routes whose only input is the auth header (${authHeaderOnly.map((r) => r.key).join(", ")}) answer bad credentials with a 4xx JSON error`, async () => {
    const inputs = authHeaderOnly.flatMap((route) => badCredentials(route, fx).map((input) => ({ route, input })));
    expect(inputs.length).toBeGreaterThan(0);
    const byInput = new Map(inputs.map(({ route, input }) => [input, route]));
    expect(await sendAll([...byInput.keys()], (input) => inputId(byInput.get(input) as Route, input))).toEqual([]);
  });

  it("every route answers an app selector that names no app with 401 invalid_publishable_key", async () => {
    const inputs = routes.flatMap((route) => badPublishableKeys(route).map((input) => ({ route, input })));
    const byInput = new Map(inputs.map(({ route, input }) => [input, route]));
    expect(await sendAll([...byInput.keys()], (input) => inputId(byInput.get(input) as Route, input))).toEqual([]);
    for (const { input } of inputs.slice(0, 4)) {
      const res = await auth.handler(new Request(`${origin}${basePath}${input.path}`, { method: input.method, headers: input.headers ?? {} }));
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: "invalid_publishable_key" });
    }
  });

  const defectInput = (id: string): BadInput | undefined => {
    for (const route of withInputs) for (const input of generate(route, fx)) if (inputId(route, input) === id) return input;
    return undefined;
  };
  it("lists as known defects only inputs the generator still produces", () => {
    for (const id of Object.keys(knownDefects)) expect(defectInput(id), id).toBeDefined();
  });
  for (const [id, cause] of Object.entries(knownDefects)) {
    it.fails(`KNOWN DEFECT, fails until fixed: ${id} answers a 4xx JSON error (today a 500: ${cause})`, async () => {
      const input = defectInput(id);
      if (!input) throw new Error(`no such input: ${id}`);
      expect(await sendAll([input], () => id)).toEqual([]);
    });
  }

  it("refuses malformed MFA codes, proofs and tickets with 400 invalid_request, counting no answer on a real ticket and no failure on the account", async () => {
    const { ticket, sessionToken } = fx.mfa;
    interface MfaRow {
      label: string;
      method: "POST" | "DELETE";
      path: string;
      body: unknown;
      /** The field the 400 must name in `details.fields`. */
      field: string;
      token?: string;
    }
    const challenge = (label: string, body: unknown, field = "code"): MfaRow => ({ label: `challenge: ${label}`, method: "POST", path: "/mfa/challenge", body, field });
    const rows: MfaRow[] = [
      challenge("both code and recovery_code", { mfa_ticket: ticket, code: "123456", recovery_code: "aaaaa-aaaaa" }),
      challenge("neither code nor recovery_code", { mfa_ticket: ticket }),
      challenge("a 5-digit code", { mfa_ticket: ticket, code: "12345" }),
      challenge("a 7-digit code", { mfa_ticket: ticket, code: "1234567" }),
      challenge("letters for a code", { mfa_ticket: ticket, code: "abcdef" }),
      challenge("a code with a space", { mfa_ticket: ticket, code: "123 456" }),
      challenge("fullwidth digits", { mfa_ticket: ticket, code: "１２３４５６" }),
      challenge("a number for a code", { mfa_ticket: ticket, code: 123456 }),
      challenge("an empty recovery code", { mfa_ticket: ticket, recovery_code: "" }, "recovery_code"),
      challenge("a 65-character recovery code", { mfa_ticket: ticket, recovery_code: "a".repeat(65) }, "recovery_code"),
      challenge("an array for a recovery code", { mfa_ticket: ticket, recovery_code: ["aaaaa-aaaaa"] }, "recovery_code"),
      challenge("a number for the ticket", { mfa_ticket: 12345, code: "123456" }, "mfa_ticket"),
      challenge("the ticket in an array", { mfa_ticket: [ticket], code: "123456" }, "mfa_ticket"),
      challenge("an object for the ticket", { mfa_ticket: { ticket }, code: "123456" }, "mfa_ticket"),
      challenge("a null ticket", { mfa_ticket: null, code: "123456" }, "mfa_ticket"),
      challenge("an empty ticket", { mfa_ticket: "", code: "123456" }, "mfa_ticket"),
      challenge("a 257-character ticket", { mfa_ticket: `st_${"A".repeat(254)}`, code: "123456" }, "mfa_ticket"),
      challenge("no ticket", { code: "123456" }, "mfa_ticket"),
      challenge("an unknown field beside a valid answer", { mfa_ticket: ticket, code: "123456", trust_device: true }, "trust_device"),
      { label: "verify: a 7-digit code with the ticket", method: "POST", path: "/mfa/totp/verify", body: { code: "1234567", mfa_ticket: ticket }, field: "code" },
      { label: "verify: a 7-digit code with the session", method: "POST", path: "/mfa/totp/verify", body: { code: "1234567" }, field: "code", token: sessionToken },
      { label: "verify: a number for the ticket", method: "POST", path: "/mfa/totp/verify", body: { code: "123456", mfa_ticket: 12345 }, field: "mfa_ticket" },
      { label: "verify: a recovery code", method: "POST", path: "/mfa/totp/verify", body: { recovery_code: "aaaaa-aaaaa" }, field: "code", token: sessionToken },
      { label: "enroll: a number for the ticket", method: "POST", path: "/mfa/totp/enroll", body: { mfa_ticket: 12345 }, field: "mfa_ticket", token: sessionToken },
      ...(["POST /mfa/recovery-codes", "DELETE /mfa/totp"] as const).flatMap((key): MfaRow[] => {
        const [method, path] = key.split(" ") as [MfaRow["method"], string];
        return [
          { label: `${key}: both code and recovery_code`, method, path, body: { code: "123456", recovery_code: "aaaaa-aaaaa" }, field: "code", token: sessionToken },
          { label: `${key}: neither`, method, path, body: {}, field: "code", token: sessionToken },
          { label: `${key}: a 5-digit code`, method, path, body: { code: "12345" }, field: "code", token: sessionToken },
          { label: `${key}: letters for a code`, method, path, body: { code: "abcdef" }, field: "code", token: sessionToken },
          { label: `${key}: a ticket instead of a session's proof`, method, path, body: { mfa_ticket: ticket, code: "123456" }, field: "mfa_ticket", token: sessionToken },
        ];
      }),
    ];
    const ticketRow = async () => s.t.query<{ attempts: number }>(`SELECT attempts FROM authsome_ceremonies WHERE key_hash = $1`, [hashToken(ticket)]);
    const counters = async () => s.t.query<{ key: string; hits: number }>(`SELECT key, hits FROM authsome_rate_limits ORDER BY key`);
    expect(await ticketRow()).toEqual([{ attempts: 0 }]);
    const countersBefore = await counters();

    const wrong: string[] = [];
    for (const row of rows) {
      // The challenge is sent without and with a session (it takes none: a session must change nothing).
      for (const token of row.path === "/mfa/challenge" ? [undefined, sessionToken] : [row.token]) {
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (token) headers.authorization = `Bearer ${token}`;
        const res = await auth.handler(new Request(`${origin}${basePath}${row.path}`, { method: row.method, headers, body: JSON.stringify(row.body) }));
        const body = (await res.json()) as Row;
        const fields = Object.keys(((body.details as Row | undefined)?.fields as Row | undefined) ?? {});
        tally.requests += 1;
        tally.byStatus.set(res.status, (tally.byStatus.get(res.status) ?? 0) + 1);
        if (res.status !== 400 || body.code !== "invalid_request" || !fields.includes(row.field)) {
          wrong.push(`${row.label}${token ? " [with a session]" : ""} → ${res.status} ${JSON.stringify(body).slice(0, 200)} (expected 400 invalid_request naming ${row.field})`);
        }
      }
    }
    tally.inputs += rows.length;
    tally.byCategory.set("malformed MFA proof", rows.length);
    expect(wrong).toEqual([]);
    // Refused before the ticket was opened: no answer counted on it, nothing on the account's lockout count (nor a
    // step-up failure on the session's user), and the enrolment, its replay guard and the recovery codes untouched
    // (the last test compares every table).
    expect(await ticketRow()).toEqual([{ attempts: 0 }]);
    expect(await counters()).toEqual(countersBefore);
  });

  it("leaves every authsome_* table, the signed-up user's row and the outbox unchanged", async () => {
    expect(tally.requests).toBeGreaterThan(0);
    await auth.flushMail(); // anything bad input had queued would have landed by now
    const after = await snapshot();
    expect(Object.keys(before.tables)).toEqual(expect.arrayContaining(["authsome_users", "authsome_sessions", "authsome_password_hashes", "authsome_verifications"]));
    expect(before.tables.authsome_users?.rows).toBe(3);
    expect(before.tables.authsome_mfa_enrollments?.rows).toBe(1);
    expect(before.tables.authsome_passkeys?.rows).toBe(1);
    expect(after.tables).toEqual(before.tables);
    expect(after.user).toEqual(before.user);
    expect(after.mails).toBe(before.mails);
    // …and still works: the signed-up user's session was never revoked by anything above.
    const res = await auth.handler(new Request(`${origin}${basePath}/session`, { headers: { authorization: `Bearer ${fx.sessionToken}` } }));
    expect(res.status).toBe(200);
  });

  it("lets no body pollute Object.prototype", () => {
    expect(({} as Row).polluted).toBeUndefined();
  });

  it("left the MFA ticket answerable: the next step's code signs in with it (after the tables were compared)", async () => {
    // The fixture's verify used the current step (the replay guard recorded it); the verifier accepts one step ahead.
    const code = fx.mfa.app.generate({ timestamp: Date.now() + 30_000 });
    const res = await post("/mfa/challenge", { mfa_ticket: fx.mfa.ticket, code });
    expect(res, JSON.stringify(res.json)).toMatchObject({ status: 200, json: { user: { id: fx.mfa.userId } } });
  });
});
