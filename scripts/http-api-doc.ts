// Writes docs/http-api.md: the HTTP contract this code base implements. The conventions are written by hand below
// (from what src/http, src/engine and the password plugin do); the route reference is generated from the OpenAPI
// document an in-process engine serves at `<basePath>/openapi.json`, so it follows the route schemas.
// Usage: npm run docs:http-api            (writes the file)
//        npm run docs:http-api -- --check (exits 1 when the committed file differs)
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import { createAuthsome } from "../src/authsome.js";
import { coreRateLimits } from "../src/engine/services/protection.js";
import { passwordRateLimits } from "../src/plugins/password/service.js";
import { resolveConfig } from "../src/engine/config.js";
import { deviceCookieMaxAgeSeconds, deviceCookieName } from "../src/engine/services/trusted-devices.js";
import { maxBodyBytes } from "../src/http/app.js";
import { unavailableRetrySeconds } from "../src/http/errors.js";
import { refreshCookie, sessionCookie } from "../src/http/request.js";
import { magicLink } from "../src/plugins/magic-link/index.js";
import { magicLinkRateLimits } from "../src/plugins/magic-link/service.js";
import { mfa } from "../src/plugins/mfa/index.js";
import { mfaRateLimits } from "../src/plugins/mfa/service.js";
import { passkey } from "../src/plugins/passkey/index.js";
import { passkeyRateLimits } from "../src/plugins/passkey/service.js";
import { password } from "../src/plugins/password/index.js";
import { github, social } from "../src/plugins/social/index.js";
import { socialRateLimits } from "../src/plugins/social/service.js";
import { defaultPageLimit, maxPageLimit } from "../src/store/postgres/pagination.js";
import { postgresStore } from "../src/store/postgres/store.js";

// Set in the password plugin and the core API (the mail texts say the same); not imported, so that moving them
// between modules does not break this script.
const resetTokenTtlSeconds = 60 * 60;
const verificationCodeTtlSeconds = 15 * 60;
const verificationMaxAttempts = 5;
const reauthenticationWindowSeconds = 5 * 60;

/** Where the document is written, from the repository root. */
export const docPath = fileURLToPath(new URL("../docs/http-api.md", import.meta.url));

/** The engine the route reference is generated from. */
export const docConfig = { development: true, basePath: "/v1/auth" } as const;

// ---------------------------------------------------------------------------------------------------------------
// The OpenAPI document (the subset of OpenAPI 3.1 the renderer reads)

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  description?: string;
}

interface MediaType {
  schema?: JsonSchema;
}

export interface Operation {
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: JsonSchema; description?: string }>;
  requestBody?: { required?: boolean; content?: Record<string, MediaType> };
  responses: Record<string, { description?: string; content?: Record<string, MediaType> }>;
  /** Alternatives, each a map of scheme name to scopes; `{}` means "none needed". */
  security?: Array<Record<string, string[]>>;
}

export interface OpenApiDocument {
  openapi: string;
  servers?: Array<{ url: string }>;
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

/** The RP ID of the documented passkey plugin: `docConfig` has no `appUrl`, and `localhost` needs no origins. */
const documentedRpId = "localhost";

/** The plugins the reference documents besides `password()`: social (one GitHub provider), magic links, MFA and passkeys. */
export const documentedPlugins = () => [
  social({ providers: [github({ clientId: "doc", clientSecret: "doc", redirectURI: "https://api.example.com/v1/auth/social/github/callback" })] }),
  magicLink(),
  mfa(),
  passkey({ rpId: documentedRpId }),
];

/** The OpenAPI document of an engine with the documented plugins, over an in-memory PGlite (never started). */
export async function fetchOpenApiDocument(): Promise<OpenApiDocument> {
  const client = new PGlite();
  try {
    const quiet = { error() {}, warn() {}, info() {} };
    const auth = createAuthsome({ store: postgresStore(drizzle(client)), plugins: [password(), ...documentedPlugins()], config: docConfig, logger: quiet });
    const res = await auth.handler(new Request(`http://localhost${docConfig.basePath}/openapi.json`));
    if (res.status !== 200) throw new Error(`GET ${docConfig.basePath}/openapi.json answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as OpenApiDocument;
  } finally {
    await client.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Authentication of each route, read from the document: a route declares its auth in `createRoute({ middleware })`,
// and the document's `security` says which (an empty requirement `{}` among them: optional). The refresh route
// checks a refresh token of its own, outside any security scheme.

export type RouteAuth = "session" | "optional" | "refresh" | "none";

const ownCredentials: Record<string, RouteAuth> = {
  "POST /refresh": "refresh",
};

const authLabels: Record<RouteAuth, string> = {
  session: "session",
  optional: "optional session",
  refresh: "refresh token",
  none: "—",
};

/** How a route authenticates: its document `security`, or a credential it checks itself (`ownCredentials`). */
export function authOf(method: string, path: string, operation: Operation): RouteAuth {
  const own = ownCredentials[`${method.toUpperCase()} ${path}`];
  if (own) return own;
  const security = operation.security;
  if (!security || security.length === 0) return "none";
  return security.some((requirement) => Object.keys(requirement).length === 0) ? "optional" : "session";
}

// Short behavioural notes per route, beyond what the schemas say.
const routeNotes: Record<string, string> = {
  "GET /health": "Answered before `start()` and without an app key. 503 `{\"status\":\"unavailable\"}` (with `Retry-After`) when the store cannot be reached.",
  "GET /session": "The session check: one read, no write.",
  "POST /signout": "Revokes the session (its access and refresh tokens stop working) and clears the session cookies.",
  "POST /refresh":
    "The refresh token comes from the body or, failing that, the `authsome_refresh` cookie (none: 401 `invalid_refresh_token`). Both tokens rotate and new cookies are set. " +
    "A refresh token that was already rotated is a replay: 401 `refresh_token_reused`, and every session of that sign-in is revoked — unless it was rotated less than `session.refreshReuseGrace` (default 10 s) ago, which counts as a lost race (401 `invalid_refresh_token`, nothing revoked). " +
    "A failed refresh clears the session cookies.",
  "GET /sessions": `The caller's active sessions, newest first, each with \`current\`; cursor pagination (\`limit\` default ${defaultPageLimit}, at most ${maxPageLimit}).`,
  "DELETE /sessions": "Revokes every session of the caller except the current one; `revoked` is how many.",
  "DELETE /sessions/{id}": "Revokes one of the caller's sessions; another user's (or an unknown) session is 404 `not_found`.",
  "PATCH /me": "`username` is stored lower-cased and kept as typed in `display_username`; a taken one is 409 `username_taken`. `image` `\"\"` removes the image.",
  "DELETE /me":
    `Soft-deletes and anonymises the account, removes its credentials, revokes its sessions and clears the cookies. An account with a password must send it (missing: 403 \`reauthentication_required\`; wrong: 401 \`invalid_credentials\`; counted against the \`reauthenticate\` rate limit); one without needs a session created within the last ${reauthenticationWindowSeconds / 60} minutes.`,
  "POST /introspect": "RFC 7662 style: `{\"active\": false}` for an invalid, expired or revoked token, else the token's user, session, app and expiry.",
  "POST /signup":
    "Sets the session cookies and answers the auth response. With `requireEmailVerification`, no session is issued: 201 `{user, verification_required: true}`, the same (and nothing written) for an address that is already registered. A verification mail goes out unless `sendVerificationOnSignUp` is false. Weak password: 400 `weak_password`; taken email or username: 409. The new account's session passes the second-factor gates like a sign-in: under required MFA the account is created and the answer is 403 `mfa_enrollment_required` with its `mfa_ticket`.",
  "POST /signin":
    "Sign in with `email` or `username`. An unknown account and a wrong password get the same 401 `invalid_credentials`. 403 `user_banned` / `email_not_verified`; 429 `rate_limited` / `account_locked`. Sets the session cookies and a fresh `authsome_device` cookie. " +
    "With the MFA plugin, a user with a second factor gets 403 `mfa_required` instead, `details` `{mfa_ticket, methods}` (answer it at `POST /mfa/challenge`), and under required MFA a user without one 403 `mfa_enrollment_required` (enrol with the ticket); no session or cookie is set. Every way of signing in (social, magic links, passkeys) stops at the same gate — a passkey sign-in with user verification has proved two factors and passes it.",
  "POST /change-password":
    "Wrong current password: 401 `invalid_credentials`; the same password again: 400 `password_unchanged`. Other sessions are revoked unless `revoke_other_sessions` is false. Counted against the sign-in rate limit.",
  "POST /forgot-password": `Always 200; a reset link (\`<appUrl>/reset-password?token=…\`, single use, valid ${resetTokenTtlSeconds / 3600} h) is mailed after the response only when the account exists.`,
  "POST /reset-password": "Single use. Sets the password, revokes every session of the user and lifts a sign-in lock. Bad, expired or used token: 400 `invalid_token`.",
  "POST /verify-email":
    `\`{token}\` from the link, or \`{code}\` (6 digits, ${verificationCodeTtlSeconds / 60} min) with \`email\` — without \`email\` the code is the signed-in user's (no session: 401 \`unauthorized\`). Wrong code: 400 \`invalid_code\`; from the ${verificationMaxAttempts}th wrong try 429 \`too_many_attempts\`.`,
  "POST /verify-email/resend": "Always 200 for `{email}`; without `email`, the signed-in user's address (no session: 401 `unauthorized`). A new mail supersedes older codes and links, and goes out only for an existing, unverified account.",
  "POST /unlock-account": "The token of the unlock link in a lock mail (single use, valid while the lock lasts); lifts the lock. Bad token: 400 `invalid_token`.",
  "GET /social/{provider}": "Starts a browser sign-in: 302 to the provider with state, PKCE S256 (and a nonce for OpenID Connect), and the `authsome_oauth` cookie that binds the flow to this browser. Unknown provider: 404.",
  "POST /social/{provider}": "The same start for single-page apps: the provider URL as `auth_url` (navigate to it; the binding cookie is set on this response).",
  "POST /social/{provider}/link": "Starts a flow whose callback links the provider account to the caller instead of signing in.",
  "GET /social/{provider}/callback": "The provider's redirect. State single use (10 min), bound to the starting browser. `Accept: application/json`: the auth response plus `provider`, `is_new_user`, `redirect_to` (or `{status: \"linked\"}` for a link). Otherwise the session cookies and 302 to `redirect_to` (default `appUrl`); after a valid state, errors land there too as `?error=<code>`, and a second factor's challenge as `?error=<code>#<ticket field>=<ticket>`.",
  "GET /me/accounts": "The caller's sign-in methods: `password` (when set), `magic_link` (a verified address, with the magic-link plugin), each linked account of a configured provider and each passkey that still signs in (`passkey`, its id as `provider_account_id`, with the passkey plugin).",
  "DELETE /me/accounts/{provider}": "Unlinks the provider; never the last way in (409 `last_sign_in_method`, decided under a lock on the user). No such link: 404.",
  "POST /magic-link/send": "Always 200; the account lookup, the per-address budget and the mail happen after the response. `redirect_to` is checked now (400 `invalid_redirect`).",
  "POST /magic-link/verify": "Single use (atomic). Signs in — creating the account, verified, when unknown and sign-up is allowed — through every sign-in rule. Bad, used or expired: 400 `invalid_token`.",
  "POST /mfa/totp/enroll":
    "Starts a TOTP enrolment for the signed-in user or, with `mfa_ticket`, for the holder of a `mfa_enrollment_required` ticket (the session is then not used; any other ticket: 400 `invalid_ticket`). A fresh seed each time, sealed at rest; an unverified enrolment is replaced. Already on: 409 `mfa_already_enabled`.",
  "POST /mfa/totp/verify":
    "Confirms the enrolment with a first code from the app (one 30 s step of drift either way): MFA is on, and the ten recovery codes are shown this once. With a `mfa_enrollment_required` ticket it also completes that sign-in (the auth response, cookies set). No enrolment: 400 `mfa_not_enrolled`; wrong code: 401 `invalid_mfa_code`.",
  "POST /mfa/challenge":
    "Answers a `mfa_required` ticket with a current TOTP `code` or an unused `recovery_code` (exactly one: else 400 `invalid_request`): the session, as a sign-in answers it. A code works once (a replayed or older step is 401 `invalid_mfa_code`); a recovery code is used up and its owner is mailed. " +
    "A ticket lives 5 min and takes 5 answers; the last wrong one burns it (429 `too_many_attempts`: sign in again). Each answer counts as a sign-in attempt of the account: at the lockout's limit, 429 `account_locked`. Unknown, expired, used or burned ticket: 400 `invalid_ticket`.",
  "POST /mfa/recovery-codes":
    "Ten new recovery codes (the old ones stop working), after a current `code` or an unused `recovery_code` (a step-up, counted like a password re-check: 429 `account_locked` after too many wrong ones). MFA off: 404 `mfa_not_enabled`; wrong proof: 401 `invalid_mfa_code`.",
  "DELETE /mfa/totp":
    "Turns MFA off — the enrolment and the recovery codes are deleted and the owner is mailed — after the same step-up as `POST /mfa/recovery-codes`. MFA off: 404 `mfa_not_enabled`; wrong proof: 401 `invalid_mfa_code`.",
  "GET /mfa": "Whether MFA is on for the caller, since when, and how many recovery codes are left.",
  "POST /passkeys/register/options":
    "Creation options for `startRegistration({ optionsJSON })` (`@simplewebauthn/browser`): a discoverable credential (resident key required) on the RP ID, the caller's passkeys excluded, attestation `none`. The challenge is a single-use ceremony of the caller, valid for `timeout` (default 5 min); `name` is kept for the verify step.",
  "POST /passkeys/register/verify":
    "Verifies the browser's response — an open ceremony of the caller (consumed), an accepted origin, the RP ID, user presence (and verification when `userVerification` is `required`) — and stores the passkey (`name`, else the one given with the options, else `Passkey`); its owner is mailed. A response that answers no open ceremony of the caller (expired, used, another user's) or does not verify: 400 `invalid_passkey`; a credential the app already has: 409 `passkey_exists`.",
  "POST /passkeys/login/options":
    "Request options for a discoverable sign-in — no email asked for, no `allowCredentials` (the authenticator offers its own; also for autofill with `mediation: \"conditional\"`) — and the `ceremony_id` to send back with the response (single use, valid for `timeout`).",
  "POST /passkeys/login/verify":
    "Consumes the ceremony (single use: one session however many requests race with it) and verifies the assertion: challenge, origin, RP ID, signature, user handle, user presence (and verification when required). An unknown, used or expired ceremony, an unknown or flagged passkey, or anything that does not verify: the same 401 `invalid_passkey`. " +
    "The sign counter only moves forward (a compare-and-swap: the loser of a concurrent use is 401 `invalid_passkey`, no session); a counter that goes backwards after a valid signature flags the passkey (a cloned authenticator: it signs in no more, and its owner is mailed). Then every sign-in rule (403 `user_banned` / `email_not_verified`); with user verification the sign-in passes the MFA gate, without it a user with a second factor gets 403 `mfa_required`.",
  "GET /passkeys": `The caller's passkeys, newest first; cursor pagination (\`limit\` default ${defaultPageLimit}, at most ${maxPageLimit}). Never the public key; \`flagged\`: its counter went backwards, it no longer signs in — delete it.`,
  "PATCH /passkeys/{id}": "Renames one of the caller's passkeys; another user's (or an unknown) passkey is 404 `not_found`.",
  "DELETE /passkeys/{id}":
    "Deletes one of the caller's passkeys; never the last way in (409 `last_sign_in_method`, decided under a lock on the user), though a flagged passkey can always go. Another user's (or an unknown) passkey: 404 `not_found`.",
};

// ---------------------------------------------------------------------------------------------------------------
// Rendering schemas

function refName(ref: string): string {
  return ref.replace(/^#\/components\/schemas\//, "");
}

function resolve(schema: JsonSchema, doc: OpenApiDocument): JsonSchema {
  let current = schema;
  for (let i = 0; current.$ref && i < 32; i++) {
    const found = doc.components?.schemas?.[refName(current.$ref)];
    if (!found) throw new Error(`unresolved $ref ${current.$ref}`);
    current = found;
  }
  return current;
}

/** GitHub's heading anchor. */
function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^a-z0-9 _-]/g, "")
    .replace(/ /g, "-");
}

function schemaLink(name: string): string {
  return `[\`${name}\`](#${anchor(name)})`;
}

/** Escapes a table cell (pipes, even inside code spans, and line breaks). */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function alternativesOf(schema: JsonSchema): JsonSchema[] | undefined {
  return schema.anyOf ?? schema.oneOf;
}

/** A compact TypeScript-like type; `$ref`s stay names (linked when `link`). */
export function typeText(schema: JsonSchema, link = true): string {
  if (schema.$ref) return link ? schemaLink(refName(schema.$ref)) : refName(schema.$ref);
  const alternatives = alternativesOf(schema);
  if (alternatives) return alternatives.map((s) => typeText(s, link)).join(" | ");
  if (schema.allOf) return schema.allOf.map((s) => typeText(s, link)).join(" & ");
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length > 1) return types.map((type) => typeText({ ...schema, type }, link)).join(" | ");
  switch (types[0]) {
    case "array": {
      const item = schema.items ? typeText(schema.items, link) : "unknown";
      return item.includes(" ") ? `(${item})[]` : `${item}[]`;
    }
    case "object": {
      if (!schema.properties) return "object";
      const required = new Set(schema.required ?? []);
      const fields = Object.entries(schema.properties).map(([name, s]) => `${name}${required.has(name) ? "" : "?"}: ${typeText(s, link)}`);
      return `{ ${fields.join(", ")} }`;
    }
    case undefined:
      return "any";
    default:
      return types[0];
  }
}

/** A type for prose or a table cell: a link for a named schema (or a list of one), else a code span. */
function typeCell(schema: JsonSchema): string {
  if (schema.$ref) return schemaLink(refName(schema.$ref));
  if (schema.type === "array" && schema.items?.$ref) return `${schemaLink(refName(schema.items.$ref))}[]`;
  const alternatives = alternativesOf(schema);
  if (alternatives) return alternatives.map(typeCell).join(" \\| ");
  return cell(`\`${typeText(schema, false)}\``);
}

/** Format, bounds, pattern and description of a field. */
function constraintsOf(schema: JsonSchema): string {
  const out: string[] = [];
  if (schema.format) out.push(`format \`${schema.format}\``);
  const { minLength: min, maxLength: max } = schema;
  const said = (phrase: string) => schema.description?.toLowerCase().includes(phrase) === true;
  if (min !== undefined && max !== undefined) out.push(`${min}–${max} characters`);
  else if (max !== undefined && !said(`at most ${max} characters`)) out.push(`at most ${max} characters`);
  else if (min !== undefined) out.push(`at least ${min} characters`);
  if (schema.minimum !== undefined && schema.maximum !== undefined) out.push(`${schema.minimum}–${schema.maximum}`);
  else if (schema.minimum !== undefined) out.push(`≥ ${schema.minimum}`);
  else if (schema.maximum !== undefined) out.push(`≤ ${schema.maximum}`);
  if (schema.pattern) out.push(`pattern \`${schema.pattern}\``);
  if (schema.description) out.push(schema.description);
  return out.join("; ");
}

/** Field table of an object schema. */
function fieldTable(schema: JsonSchema, doc: OpenApiDocument): string[] {
  const object = resolve(schema, doc);
  const required = new Set(object.required ?? []);
  const lines = ["| Field | Type | Required | Constraints |", "|---|---|---|---|"];
  for (const [name, field] of Object.entries(object.properties ?? {})) {
    lines.push(`| \`${name}\` | ${typeCell(field)} | ${required.has(name) ? "yes" : "no"} | ${cell(constraintsOf(resolve(field, doc)))} |`);
  }
  if (object.additionalProperties === false) lines.push("", "Other fields are refused (400 `invalid_request`).");
  return lines;
}

/** `email, password, first_name?` — the fields of a body, for the summary table. */
function fieldList(schema: JsonSchema, doc: OpenApiDocument): string {
  const resolved = resolve(schema, doc);
  const alternatives = alternativesOf(resolved);
  if (alternatives) return alternatives.map((s) => fieldList(s, doc)).join(" \\| ");
  const required = new Set(resolved.required ?? []);
  const fields = Object.keys(resolved.properties ?? {}).map((name) => `${name}${required.has(name) ? "" : "?"}`);
  return fields.length > 0 ? `\`{${fields.join(", ")}}\`` : `\`${typeText(resolved, false)}\``;
}

/** A response shape for the summary table: a schema name, or the field names of an inline object. */
function shortShape(schema: JsonSchema, doc: OpenApiDocument): string {
  if (schema.$ref) return schemaLink(refName(schema.$ref));
  const alternatives = alternativesOf(schema);
  if (alternatives) return alternatives.map((s) => shortShape(s, doc)).join(" \\| ");
  if (schema.properties) return fieldList(schema, doc);
  return cell(`\`${typeText(schema, false)}\``);
}

function jsonSchemaOf(media: Record<string, MediaType> | undefined): JsonSchema | undefined {
  return media?.["application/json"]?.schema;
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering routes

interface Route {
  method: string;
  path: string;
  operation: Operation;
  auth: RouteAuth;
}

function routesOf(doc: OpenApiDocument): Route[] {
  const routes: Route[] = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      routes.push({ method: method.toUpperCase(), path, operation, auth: authOf(method, path, operation) });
    }
  }
  return routes;
}

function statusesOf(operation: Operation, success: boolean): string[] {
  return Object.keys(operation.responses).filter((status) => status.startsWith("2") === success);
}

function summaryTable(routes: Route[], doc: OpenApiDocument): string[] {
  const lines = ["| Method | Path | Auth | Body | Success | Errors |", "|---|---|---|---|---|---|"];
  for (const { method, path, operation, auth } of routes) {
    const bodySchema = jsonSchemaOf(operation.requestBody?.content);
    const body = bodySchema ? `${fieldList(bodySchema, doc)}${operation.requestBody?.required ? "" : " (optional)"}` : "—";
    const success = statusesOf(operation, true)
      .map((status) => {
        const schema = jsonSchemaOf(operation.responses[status]?.content);
        return schema ? `${status} ${shortShape(schema, doc)}` : status;
      })
      .join("<br>");
    const errors = statusesOf(operation, false).join(", ") || "—";
    lines.push(`| ${method} | [\`${path}\`](#${anchor(`${method} ${path}`)}) | ${authLabels[auth]} | ${body} | ${success} | ${errors} |`);
  }
  return lines;
}

const authSentences: Record<RouteAuth, string> = {
  session: "**Auth:** a session (`Authorization: Bearer <session_token>` or the `authsome_session` cookie); without one, 401 `unauthorized`.",
  optional: "**Auth:** optional; a session is used only when the body does not name the account.",
  refresh: "**Auth:** a refresh token (body or `authsome_refresh` cookie); no session.",
  none: "**Auth:** none.",
};

/** A response type in a sentence (no table: pipes stay as they are). */
function prose(schema: JsonSchema): string {
  if (schema.$ref) return schemaLink(refName(schema.$ref));
  const alternatives = alternativesOf(schema);
  if (alternatives) return alternatives.map(prose).join(" or ");
  return `\`${typeText(schema, false)}\``;
}

function routeSection(route: Route, doc: OpenApiDocument): string[] {
  const { method, path, operation, auth } = route;
  const lines = [`### ${method} ${path}`, "", authSentences[auth]];
  const note = routeNotes[`${method} ${path}`];
  if (note) lines.push("", note);

  if (operation.parameters?.length) {
    lines.push("", "**Parameters:**", "", "| Name | In | Type | Required | Constraints |", "|---|---|---|---|---|");
    for (const p of operation.parameters) {
      const schema = p.schema ?? {};
      lines.push(`| \`${p.name}\` | ${p.in} | ${typeCell(schema)} | ${p.required ? "yes" : "no"} | ${cell(constraintsOf(schema))} |`);
    }
  }

  const bodySchema = jsonSchemaOf(operation.requestBody?.content);
  if (bodySchema) {
    const resolved = resolve(bodySchema, doc);
    const name = bodySchema.$ref ? ` (${schemaLink(refName(bodySchema.$ref))})` : "";
    const required = operation.requestBody?.required ? "required" : "optional: no body is the same as `{}`";
    const alternatives = alternativesOf(resolved);
    if (alternatives) {
      lines.push("", `**Body**${name}, ${required} — one of:`);
      alternatives.forEach((alternative, i) => lines.push("", `*Form ${i + 1}:*`, "", ...fieldTable(alternative, doc)));
    } else {
      lines.push("", `**Body**${name}, ${required}:`, "", ...fieldTable(resolved, doc));
    }
  }

  lines.push("", "**Responses:**", "");
  for (const status of statusesOf(operation, true)) {
    const response = operation.responses[status];
    const schema = jsonSchemaOf(response?.content);
    lines.push(`- ${status} ${response?.description ?? ""}${schema ? `: ${prose(schema)}` : ""}`.trimEnd());
  }
  const errors = statusesOf(operation, false);
  if (errors.length > 0) {
    const described = errors.map((status) => {
      const response = operation.responses[status];
      const schema = jsonSchemaOf(response?.content);
      const body = schema?.$ref && refName(schema.$ref) === "Error" ? "" : schema ? ` ${prose(schema)}` : "";
      return `${status} ${response?.description ?? ""}${body}`.trim();
    });
    lines.push(`- Errors (body [\`Error\`](#error) unless shown): ${described.join(" · ")}`);
  }
  return lines;
}

function schemaSections(doc: OpenApiDocument): string[] {
  const lines: string[] = [];
  for (const [name, schema] of Object.entries(doc.components?.schemas ?? {})) {
    lines.push(`### ${name}`, "");
    const alternatives = alternativesOf(schema);
    if (alternatives) {
      lines.push("One of:");
      alternatives.forEach((alternative, i) => lines.push("", `*Form ${i + 1}:*`, "", ...fieldTable(alternative, doc)));
    } else if (schema.properties) {
      lines.push(...fieldTable(schema, doc));
    } else {
      lines.push(`\`${typeText(schema, false)}\``);
    }
    lines.push("");
  }
  return lines;
}

/** The generated part: route summary, one section per route, and the named schemas. */
export function renderRoutes(doc: OpenApiDocument): string {
  const routes = routesOf(doc);
  const basePath = doc.servers?.[0]?.url ?? "";
  const lines = [
    "## Routes",
    "",
    `<!-- Generated from the OpenAPI document (${doc.openapi}) by scripts/http-api-doc.ts: run \`npm run docs:http-api\` after changing a route. -->`,
    "",
    `Generated from \`GET ${basePath}/openapi.json\` of an engine with the \`password()\`, \`social({ providers: [github(…)] })\`, \`magicLink()\`, \`mfa()\` and \`passkey({ rpId: "${documentedRpId}" })\` plugins and \`{ development: ${String(docConfig.development)}, basePath: "${docConfig.basePath}" }\`. Paths are relative to \`basePath\`. ` +
      "413, 415 and 503 can answer any request that reaches a route; an unknown path is 404 `not_found`, a known path with another method 405 `method_not_allowed`. " +
      "In development an `image` may be an `http:` URL; otherwise it must be `https:`.",
    "",
    ...summaryTable(routes, doc),
    "",
  ];
  for (const route of routes) lines.push(...routeSection(route, doc), "");
  lines.push("## Schemas", "", "Named schemas of the OpenAPI document (`components.schemas`).", "", ...schemaSections(doc));
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------------------------
// The hand-written part: the conventions, from what the code does. Defaults come from `resolveConfig`.

const defaults = resolveConfig({ development: true });

function minutes(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

function perIpLimits(): string[] {
  if (!defaults.rateLimits) throw new Error("rate limits are on by default");
  const { windowSeconds } = defaults.rateLimits;
  // What the engine and the documented plugins declare (each plugin declares its own names and defaults).
  const declared = { ...coreRateLimits, ...passwordRateLimits, ...socialRateLimits, ...magicLinkRateLimits, ...mfaRateLimits, ...passkeyRateLimits };
  const owners: Record<string, string> = {
    ...Object.fromEntries(Object.keys(coreRateLimits).map((n) => [n, "engine"])),
    ...Object.fromEntries(Object.keys(passwordRateLimits).map((n) => [n, "password"])),
    ...Object.fromEntries(Object.keys(socialRateLimits).map((n) => [n, "social"])),
    ...Object.fromEntries(Object.keys(magicLinkRateLimits).map((n) => [n, "magic-link"])),
    ...Object.fromEntries(Object.keys(mfaRateLimits).map((n) => [n, "mfa"])),
    ...Object.fromEntries(Object.keys(passkeyRateLimits).map((n) => [n, "passkey"])),
  };
  const routes: Record<keyof typeof declared, string> = {
    refresh: "`POST /refresh`",
    reauthenticate: "`DELETE /me` with a password (guessing a password from a stolen session)",
    signIn: "`POST /signin`; also `POST /change-password` (guessing the current password from a stolen session)",
    signUp: "`POST /signup`",
    forgotPassword: "`POST /forgot-password`",
    verifyEmail: "`POST /verify-email` with a code, `POST /verify-email/resend`",
    socialStart: "`GET`/`POST /social/{provider}`, `POST /social/{provider}/link`",
    socialCallback: "`GET /social/{provider}/callback`",
    magicLinkSend: "`POST /magic-link/send`",
    magicLinkVerify: "`POST /magic-link/verify`",
    mfaChallenge: "Every route that takes a second-factor code: `POST /mfa/challenge`, `POST /mfa/totp/verify`, and the step-ups of `POST /mfa/recovery-codes` and `DELETE /mfa/totp`; and `POST /mfa/totp/enroll`",
    passkeyRegister: "`POST /passkeys/register/options`, `POST /passkeys/register/verify`",
    passkeyLoginOptions: "`POST /passkeys/login/options` (each begins a ceremony)",
    passkeyLogin: "`POST /passkeys/login/verify` (counted in the statement that consumes the ceremony: over the limit, none is consumed)",
  };
  const lines = [`| \`rateLimits.<name>\` | Declared by | Default per ${minutes(windowSeconds)} | Counts |`, "|---|---|---|---|"];
  for (const name of Object.keys(routes) as Array<keyof typeof declared>) {
    lines.push(`| \`${name}\` | ${owners[name]} | ${String(declared[name])} | ${routes[name]} |`);
  }
  return lines;
}

// Every code the code base throws (`new …Error("code"` in src/), with its HTTP status.
const errorCodes: Array<[code: string, status: string, meaning: string]> = [
  ["invalid_request", "400", "The body, query or path parameters fail validation (`details.fields`), the body is not valid JSON (`details.fields.body`), or a page `limit`/`cursor` is out of range"],
  ["invalid_value", "400", "The database refused a value for its field"],
  ["invalid_reference", "400", "A referenced record does not exist (`details.constraint`)"],
  ["invalid_parent", "400", "A role's parent is of another app or environment, or makes a cycle (store; no route yet)"],
  ["default_environment", "400", "The default environment cannot be deleted (store; no route yet)"],
  ["app_required", "400", "`requirePublishableKey` is on and the request names no app"],
  ["weak_password", "400", "The new password breaks the policy; `details.rules` lists what is missing"],
  ["password_unchanged", "400", "The new password is the current one (`details.fields.new_password`)"],
  ["invalid_ticket", "400", "A sign-in ticket (a second factor's challenge, `mfa_ticket`) is unknown, expired, used, out of attempts, or another app's — or an enrolment ticket sent to the challenge (`details.fields` names the ticket's field)"],
  ["mfa_not_enrolled", "400", "`POST /mfa/totp/verify` without a started enrolment: start one with `POST /mfa/totp/enroll`"],
  ["invalid_page", "400", "A page `limit` out of range reached the store (routes refuse it first with `invalid_request`)"],
  ["invalid_cursor", "400", "A page `cursor` that is not a cursor reached the store (routes refuse it first with `invalid_request`)"],
  ["invalid_token", "400", "A reset, verification, unlock or magic-link token is unknown, expired, used, or another app's"],
  ["invalid_redirect", "400", "`redirect_to` is neither a relative path nor a URL on `appUrl`'s or a trusted origin (`details.fields.redirect_to`)"],
  ["invalid_state", "400", "The OAuth callback's state is unknown, expired, used, another provider's or app's, or not bound to this browser"],
  ["oauth_denied", "400", "The provider answered the callback with an error (the user cancelled or refused)"],
  ["invalid_oauth_code", "400", "The provider refused the authorization code as bad, expired or used (GitHub's `bad_verification_code`)"],
  ["invalid_id_token", "400", "The OpenID Connect ID token failed validation (issuer, audience, nonce, expiry)"],
  ["email_required", "400", "The provider shared no email address"],
  ["invalid_code", "400", "The verification code is wrong or expired"],
  ["invalid_passkey", "400", "`POST /passkeys/register/verify`: the response answers no open registration of the caller (expired, used, another user's), comes from an origin the app does not accept, or does not verify (`details.fields.response`): start again"],
  ["invalid_passkey", "401", "`POST /passkeys/login/verify`: the ceremony is unknown, expired or used, the passkey is unknown or flagged, the assertion does not verify, or a concurrent use moved the sign counter first — one code for all"],
  ["invalid_mfa_code", "401", "The TOTP code is wrong, expired or already used (replay), or the recovery code is wrong or used (`details.fields` names `code` or `recovery_code`)"],
  ["unauthorized", "401", "The route needs a session (or another accepted credential) and the request has no valid one"],
  ["forbidden", "403", "The principal's roles do not grant the permission the route requires"],
  ["invalid_credentials", "401", "Wrong email/username or password (the same for an unknown account), or a wrong current password"],
  ["invalid_refresh_token", "401", "No refresh token, or an unknown, expired or revoked one (also the loser of a concurrent refresh)"],
  ["refresh_token_reused", "401", "A rotated refresh token was presented again; every session of that sign-in is revoked"],
  ["invalid_publishable_key", "401", "The `X-Publishable-Key` names no app"],
  ["invalid_origin", "403", "A cookie-authenticated state change from an origin that is not ours or trusted (CSRF)"],
  ["email_not_verified", "403", "`requireEmailVerification` is on and the address is not verified"],
  ["user_banned", "403", "The account is banned (`details.reason` when one was given)"],
  ["reauthentication_required", "403", "Deleting the account needs the password (`details.fields.password`) or a recent sign-in"],
  ["mfa_required", "403", "The sign-in needs the second factor: answer `details.mfa_ticket` at `POST /mfa/challenge` (`details.methods`: `totp`, `recovery_code`); no session was issued"],
  ["mfa_enrollment_required", "403", "MFA is required and the user has no second factor: enrol with `details.mfa_ticket` (`POST /mfa/totp/enroll`, then `/verify`, which completes the sign-in)"],
  ["not_found", "404", "No such route, or a resource that is not the caller's (or another app's)"],
  ["mfa_not_enabled", "404", "Two-factor authentication is not on for the account (regenerating recovery codes, turning it off)"],
  ["method_not_allowed", "405", "The path exists but not with this method; `Allow` lists the methods it serves"],
  ["email_taken", "409", "The email address is already registered"],
  ["username_taken", "409", "The username is already taken"],
  ["slug_taken", "409", "An app, environment, organization, team or role slug is taken"],
  ["conflict", "409", "Another unique value is taken"],
  ["account_exists", "409", "A local account has the provider's address but the two cannot be linked safely: sign in, then link the provider"],
  ["account_linked_elsewhere", "409", "The provider account is linked to another user"],
  ["provider_already_linked", "409", "The user already has an account of this provider linked; unlink it first"],
  ["last_sign_in_method", "409", "Removing this sign-in method (a provider link, a passkey) would leave the account no way in"],
  ["passkey_exists", "409", "The passkey (its credential id) is already registered in this app"],
  ["mfa_already_enabled", "409", "TOTP is already on (a new enrolment needs it turned off first), or a concurrent verify confirmed the enrolment first"],
  ["payload_too_large", "413", `The body is larger than ${maxBodyBytes / 1024} KiB`],
  ["unsupported_media_type", "415", "A request body that is not JSON"],
  ["rate_limited", "429", "The client IP's limit for this kind of request is spent (`Retry-After`)"],
  ["account_locked", "429", "Sign-in for this identifier is locked after failed attempts (`Retry-After`; the same for an unknown identifier) — answers to a second factor's challenge count too, and a step-up's wrong codes lock the step-up"],
  ["too_many_attempts", "429", `${verificationMaxAttempts} wrong verification codes (request a new one), or a sign-in ticket's last wrong answer (the ticket is burned: sign in again) (\`Retry-After\`)`],
  ["provider_unavailable", "502", "The OAuth provider could not be reached, timed out or answered 5xx"],
  ["provider_error", "502", "The OAuth provider refused the request (a wrong client secret or redirect URI) or answered something unusable"],
  ["internal_error", "500", "Anything unexpected; `details.request_id` names the log entry, nothing else is disclosed"],
  ["not_started", "503", `\`auth.start()\` has not completed (\`Retry-After: ${unavailableRetrySeconds}\`)`],
  ["unavailable", "503", `The database cannot be reached, or every connection is busy and enough callers wait already (\`Retry-After: ${unavailableRetrySeconds}\`)`],
  ["timeout", "503", "The database did not answer in time (`Retry-After`)"],
  ["shutting_down", "503", `The instance is draining (\`auth.stop()\`): retry, another instance answers (\`Retry-After: ${unavailableRetrySeconds}\`, \`Connection: close\`); \`GET /health\` answers 503 \`{"status":"unavailable"}\` meanwhile`],
];

// Codes thrown outside a request, or whose status is 500 (then answered as `internal_error`).
const nonHttpCodes: Array<[code: string, meaning: string]> = [
  ["invalid_config", "A configuration value (engine, mailer, argon2 parameters, pool, migration options) is invalid; thrown by `createAuthsome` and the factories"],
  ["invalid_plugin", "A plugin id is registered twice"],
  ["unknown_event", "A plugin emitted an event type nobody declared (a programming error: 500 `internal_error` in a request)"],
  ["unknown_gate", "`signIns.resume` named a second-factor gate nobody registered (a programming error: 500 `internal_error` in a request)"],
  ["unknown_rate_limit", "A plugin counted a rate limit nobody declared (a programming error: 500 `internal_error` in a request)"],
  ["invalid_argument", "A store method was called with an impossible argument, such as a non-positive window (a programming error)"],
  ["mail_not_configured", "Mail was due but no mailer is configured (logged by the mail queue; the request already answered)"],
  ["mail_failed", "The SMTP server refused or could not take a message (retried by the mail queue)"],
  ["unseal_failed", "A sealed secret was altered or its key is not configured (500 `internal_error` if it happens in a request)"],
  ["ceremony_consumed", "The store refused a session whose ceremony (a sign-in ticket) a concurrent request consumed first; the sign-in answers 400 `invalid_ticket`"],
  ["embedded_database_locked", "The embedded PGlite directory is in use by another process"],
  ["migration_group_conflict", "Two different migration groups share a name"],
  ["migration_journal_unreadable", "A migration group's journal cannot be read"],
  ["migration_checksum_mismatch", "An applied migration was changed afterwards"],
  ["migration_failed", "A migration statement failed; the run is rolled back"],
  ["migration_lock_timeout", "Another process holds the migration lock"],
];

function conventions(): string {
  const lockout = defaults.lockout;
  const perRecipient = defaults.mailPerRecipient;
  if (!lockout || !perRecipient) throw new Error("lockout and per-recipient limits are on by default");
  const { session } = defaults;
  const window = defaults.rateLimits ? defaults.rateLimits.windowSeconds : 0;
  return `# Authsome HTTP API

The HTTP contract this repository implements: the conventions every route follows, then a reference of every route
generated from the OpenAPI document the engine serves. Do not edit this file by hand — the conventions are kept in
\`scripts/http-api-doc.ts\`; run \`npm run docs:http-api\` to regenerate it (\`test/docs/http-api-doc.test.ts\` fails when
it is out of date).

## Conventions

### Base path and format

- Every route is mounted under \`config.basePath\` (default \`${defaults.basePath}\`; a trailing slash is dropped). The
  OpenAPI 3.1 document of every mounted route (core and plugins), generated from the route schemas, is
  \`GET <basePath>/openapi.json\`.
- \`GET <basePath>/health\` and \`GET <basePath>/openapi.json\` answer before \`auth.start()\` and without an app key; every
  other route answers 503 \`not_started\` until \`start()\` has completed.
- Bodies are JSON in and out, with snake_case field names. Timestamps are ISO-8601 UTC strings with milliseconds,
  ending in \`Z\`. Operations without a resource to return answer \`{"status":"ok"}\` (sign-out: \`{"status":"signed_out"}\`,
  account deletion: \`{"status":"deleted"}\`).
- Multi-app deployments name the app with an \`X-Publishable-Key\` header (or a \`publishable_key\` query parameter, for
  browser navigations); an unknown key is 401 \`invalid_publishable_key\`. Without one the request acts for
  \`config.appId\`, unless \`requirePublishableKey\` is on (400 \`app_required\`).

### Errors

Every error is its status and the body

\`\`\`json
{ "error": "A sentence for humans", "code": "snake_case_code", "details": { } }
\`\`\`

\`details\` is present only when there is something to add. Clients branch on \`code\`, never on \`error\`.

- Validation failures are 400 \`invalid_request\` with \`details.fields\`: an object from field path (dot-joined, e.g.
  \`metadata.a.b\`; \`body\` for the body as a whole) to message. An unknown field is reported as \`"is not a known field"\`;
  malformed JSON as \`{"body": "is not valid JSON"}\`.
- An unknown route is 404 \`not_found\`; a known path asked with another method is 405 \`method_not_allowed\` with an
  \`Allow\` header listing the methods the path serves.
- Anything unexpected is 500 \`internal_error\` with \`details.request_id\` (the \`x-request-id\` of the response) and no
  internals; the error itself is logged under that id. Never a stack trace.
- The status follows from the error's kind — validation 400, authentication 401, forbidden 403, not found 404,
  conflict 409, rate limit 429, unavailable 503, internal 500 — except for the codes with a status of their own:
  \`not_started\` 503, \`too_many_attempts\` 429, \`payload_too_large\` 413, \`unsupported_media_type\` 415,
  \`method_not_allowed\` 405. An error whose status is 500 is always answered as \`internal_error\`.

| Code | Status | Meaning |
|---|---|---|
${errorCodes.map(([code, status, meaning]) => `| \`${code}\` | ${status} | ${cell(meaning)} |`).join("\n")}

Codes that never reach an HTTP client as such (thrown while configuring, migrating or sending mail):

| Code | Meaning |
|---|---|
${nonHttpCodes.map(([code, meaning]) => `| \`${code}\` | ${cell(meaning)} |`).join("\n")}

### Response headers

| Header | When |
|---|---|
| \`Cache-Control: no-store\` | Every response under \`basePath\`, errors and 404s included |
| \`X-Content-Type-Options: nosniff\` | Every response |
| \`x-request-id\` | Every response: the request's \`X-Request-Id\` when it matches \`[A-Za-z0-9._-]{1,128}\`, else a new UUID |
| \`Retry-After\` | 429 (seconds until the limit window or the lock ends, at least 1) and 503 (${unavailableRetrySeconds} s) |
| \`Allow\` | 405 \`method_not_allowed\` |
| \`Set-Cookie\` | Routes that create, rotate or end a session, and sign-in (device cookie) |

### Request bodies

- Only JSON: a \`POST\`, \`PUT\`, \`PATCH\` or \`DELETE\` that carries a body (a non-zero \`Content-Length\`, or chunked) must
  send \`Content-Type: application/json\` (or \`application/<something>+json\`, parameters allowed), else 415
  \`unsupported_media_type\` — also on routes whose body is optional, so a form post never runs as "no body".
- At most ${maxBodyBytes / 1024} KiB (${maxBodyBytes} bytes): a larger body is 413 \`payload_too_large\` (a declared
  \`Content-Length\` is refused before the body is read).
- Bodies are strict objects: a field the route does not know is 400 \`invalid_request\`. Every string is bounded; the
  route sections below give the limits.

### Tokens and cookies

- A request authenticates with \`Authorization: Bearer <session_token>\` or, without one, the \`${sessionCookie}\` cookie.
- Tokens are opaque: a prefix and 43 base64url characters (256 random bits) — \`as_\` session, \`ar_\` refresh, \`pr_\`
  reset link, \`ev_\` verification link, \`ul_\` unlock link, \`st_\` sign-in ticket (\`mfa_ticket\`), \`pkl_\` passkey
  sign-in ceremony (\`ceremony_id\`). Only their SHA-256 hashes are stored.
- Responses that create a session (sign-up, sign-in) or rotate it (refresh) set both session cookies; sign-out, account
  deletion and a failed refresh clear them.

| Cookie | Holds | Path | Max-Age |
|---|---|---|---|
| \`${sessionCookie}\` | the session token | \`/\` | session token TTL (\`session.tokenTTL\`, default ${minutes(session.tokenTtlSeconds)}; an app may override) |
| \`${refreshCookie}\` | the refresh token | \`<basePath>/refresh\` | refresh TTL (\`session.refreshTokenTTL\`, default ${minutes(session.refreshTokenTtlSeconds)}) |
| \`${deviceCookieName}\` | a signed device id (\`<id>.<issued>.<mac>\`, bound to one user and their current password; nothing stored) | \`<basePath>\` | ${deviceCookieMaxAgeSeconds / 86_400} days |

All three are \`HttpOnly\` and \`SameSite=Lax\`; \`Secure\` when \`cookies.secure\` is true or, with the default \`"auto"\`,
when \`appUrl\` is \`https:\` (in development without \`appUrl\`: when the request was); \`Domain\` is \`cookies.domain\`
when set. The device cookie is set at sign-up and at every successful sign-in (see lockout below).

### CSRF and CORS

- A state-changing request (\`POST\`, \`PUT\`, \`PATCH\`, \`DELETE\`) that carries the \`${sessionCookie}\` or
  \`${refreshCookie}\` cookie and no bearer token must come from our own site: its \`Origin\` must be the origin of
  \`config.appUrl\` or one of \`config.trustedOrigins\`; without an \`Origin\`, it must carry \`Sec-Fetch-Site: same-origin\`.
  Otherwise 403 \`invalid_origin\`. Bearer-authenticated requests and requests without those cookies are exempt.
- The \`Host\` header never vouches for an origin, except in development: there the request's own origin (scheme and
  \`Host\`, or \`X-Forwarded-Proto\`/\`-Host\` from a trusted proxy) is accepted too when it is a loopback origin
  (\`localhost\`, \`127.0.0.0/8\`, \`[::1]\`).
- CORS answers only origins in \`trustedOrigins\`: credentials allowed, request headers \`Content-Type\`, \`Authorization\`,
  \`X-Request-Id\`, \`X-Publishable-Key\`, exposed headers \`X-Request-Id\`, \`Retry-After\`, preflight cached 600 s.

### Links in mail

- Links are built from \`config.appUrl\` only, never from the request's \`Host\`. A path in \`appUrl\` is kept:
  \`https://example.com/app\` gives \`https://example.com/app/reset-password?token=…\`. \`appUrl\` is required unless
  \`development\` is true; in development without it, the request's own origin is used only when it is a loopback origin
  or in \`trustedOrigins\` — otherwise no mail is sent (a warning is logged).
- \`<appUrl>/reset-password?token=…\` (single use, ${resetTokenTtlSeconds / 3600} h), \`<appUrl>/verify-email?token=…\` with a
  6-digit code in the same mail (${verificationCodeTtlSeconds / 60} min, ${verificationMaxAttempts} wrong codes burn it),
  \`<appUrl>/unlock-account?token=…\` (single use, valid while the lock lasts). The application's pages post the token to
  the matching route.
- Mail is prepared and sent after the response, so a route answers alike whether or not the account exists.

### Rate limits, lockout and trusted devices

Per client IP, counted in the database (shared by every instance), per window \`rateLimits.window\` (default
${minutes(window)}); over the limit, 429 \`rate_limited\` with \`Retry-After\`. \`false\` turns one limit off, \`rateLimits: false\` all of them.

${perIpLimits().join("\n")}

- The client IP is the socket address, unless \`trustProxy\` names the proxies in front (a hop count, or addresses and
  CIDRs): then the rightmost \`X-Forwarded-For\` hop that is not a trusted proxy; a hop that is not an IP address
  ends the walk and the socket address counts. IPv4-mapped IPv6 addresses count as IPv4, and an IPv6 client is
  counted by its /64.
- Per recipient: one address gets at most ${perRecipient.limit} reset, verification and unlock mails per
  ${minutes(perRecipient.windowSeconds)} (\`rateLimits.mailPerRecipient\`, \`mailPerRecipientWindow\`), whoever asks and
  from wherever; beyond that the routes still answer as usual (200) and nothing changes: no mail, no new token.
- Lockout, per submitted identifier — the email or username as sent (trimmed, lower-cased), per app and environment,
  whether or not an account has it: ${lockout.maxAttempts} failed sign-ins within ${minutes(lockout.windowSeconds)}
  (\`lockout.maxAttempts\`, \`lockout.window\`) lock it for ${minutes(lockout.durationSeconds)} (\`lockout.duration\`). Attempts
  are counted before the password is checked; while locked, sign-in answers 429 \`account_locked\` with \`Retry-After\`
  (the same for an unknown identifier). The owner of a real account gets one mail per lock with an unlock link; a
  password reset lifts the lock too, and a successful sign-in resets the count. \`lockout: false\` turns it off.
- The password checks of \`DELETE /me\` and \`POST /change-password\` (made from a session), and the second-factor
  step-ups of \`POST /mfa/recovery-codes\` and \`DELETE /mfa/totp\`, have a budget of their own: ${lockout.maxAttempts} per
  ${minutes(lockout.windowSeconds)} per account, then 429 \`account_locked\` until the window ends.
- Answers to a second factor's ticket (\`POST /mfa/challenge\`, and \`POST /mfa/totp/verify\` with a ticket) are
  counted per account, apart from password attempts: the lockout's count of wrong ones within its window locks the
  account's answers and its password sign-ins for the lockout's duration (a password reset does not lift the answers'
  lock), so a first factor in someone else's hands gets no more guesses at the second; a stranger's password guesses
  do not stop the owner's right code. A right answer resets the count; a right password that stops at the gate
  clears the password's count.
- Trusted devices (\`lockout.trustedDevices\`, default ${String(lockout.trustedDevices)}): a browser that presents a valid
  \`${deviceCookieName}\` cookie issued to the locked account may still sign in, with its own budget of
  ${lockout.maxAttempts} attempts per window — so nobody can lock the owner out with wrong passwords. A changed or reset
  password retires every device cookie issued before it.

### Shapes

- \`User\` = \`{id, app_id, env_id, email, email_verified, first_name, last_name, image, username, display_username, phone,
  phone_verified, banned, ban_reason, ban_expires, metadata, created_at, updated_at}\`; it never carries password
  material. Text fields that are not set are \`""\`; \`ban_expires\` is \`null\` unless a ban expires.
- \`Session\` = \`{id, user_id, app_id, env_id, ip_address, user_agent, created_at, expires_at, refresh_expires_at,
  current?}\`; \`current\` appears in lists only; it never carries tokens.
- Auth response (sign-up, sign-in) = \`{user: User, session: Session, session_token, refresh_token, expires_at}\`, where
  \`expires_at\` is the session token's expiry.
- Ids are TypeIDs with a prefix per kind (\`ausr_…\` user, \`ases_…\` session, \`apsk_…\` passkey).
- The field tables are under [Schemas](#schemas).

### Pagination

Lists are cursor-paginated, newest first: \`?limit=\` (1–${maxPageLimit}, default ${defaultPageLimit}) and \`?cursor=\` (the
\`next_cursor\` of the previous page). The response is \`{"items": [...], "next_cursor": "<id>" | null}\`; \`next_cursor\`
is the last returned id, \`null\` on the last page. Walking the pages returns every row once, and a deep page costs the
same as the first.
`;
}

/** The whole document for an OpenAPI document. */
export function renderHttpApiDoc(doc: OpenApiDocument): string {
  return `${conventions()}\n${renderRoutes(doc)}`.replace(/\n{3,}/g, "\n\n").replace(/\s*$/, "\n");
}

/** The document as the script writes it. */
export async function generateHttpApiDoc(): Promise<string> {
  return renderHttpApiDoc(await fetchOpenApiDocument());
}

async function main(): Promise<void> {
  const check = process.argv.includes("--check");
  const rendered = await generateHttpApiDoc();
  if (check) {
    const committed = await readFile(docPath, "utf8").catch(() => null);
    if (committed !== rendered) {
      console.error("docs/http-api.md is out of date: run npm run docs:http-api");
      process.exit(1);
    }
    return;
  }
  await mkdir(dirname(docPath), { recursive: true });
  await writeFile(docPath, rendered);
  console.log(`wrote ${docPath} (${rendered.length} characters)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
