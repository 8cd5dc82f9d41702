/**
 * The data of `npm run bench:scale` (bench/scale.ts): users, their password hashes, sessions spread over them and
 * RBAC assignments, written by a few `INSERT … SELECT … FROM generate_series` statements into tables migrated by the
 * store's own migrations (every index in place, filled row by row as production fills it).
 *
 * Every row is a function of its number, so the harness can name a row without reading it back:
 *  - ids are TypeIDs as `typeid-js` makes them: `<prefix>_` + 26 Crockford base32 characters of a UUIDv7 whose
 *    48-bit timestamp is the row's `created_at` (ids sort by creation, as the app's do) and whose random bits come
 *    from `hashint8extended(row, seed)`;
 *  - user `i` has the email `emailOf(i)`; session `j` the bearer token `sessionTokenOf(j)`, stored as its SHA-256
 *    hex like the engine's (`hashToken`), and belongs to a user drawn by hashing `j` (about five sessions per user on
 *    average, some with none, some with a dozen);
 *  - a user holds one of the primary roles of `roleSpecs`, and one in five also a secondary one, drawn the same way.
 */
import { createHash } from "node:crypto";
import type pg from "pg";
import { lockoutKeys } from "../src/engine/services/protection.js";
import type { PostgresStore } from "../src/store/postgres/store.js";

export interface SeedSize {
  users: number;
  sessions: number;
}

export interface Tenant {
  appId: string;
  envId: string;
}

export interface SeedTimings {
  /** Users, password hashes, sessions and role assignments. */
  insertSeconds: number;
  /** VACUUM (ANALYZE) of the seeded tables, and a CHECKPOINT. */
  vacuumSeconds: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Rows as the harness names them (the SQL below builds the same strings)

const domains = ["example.com", "example.org", "example.net", "mail.example", "corp.example"];
const firstNames = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken"];
const lastNames = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson"];
const userAgents = [
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
  "Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0",
];

/** User `i`'s email: distinct by its number, spread over a few domains. */
export function emailOf(i: number): string {
  return `${createHash("md5").update(String(i)).digest("hex").slice(0, 6)}.${i}@${domains[i % domains.length]}`;
}

/**
 * Session `j`'s bearer token: the engine's shape (`as_` + 43 base64url characters), its number in hex rather than
 * 32 random bytes — only its SHA-256 is stored, and that looks as random either way, for one hash per row in SQL.
 */
export function sessionTokenOf(j: number): string {
  return `as_${j.toString(16).padStart(43, "0")}`;
}

/** The rate-limit rows a password sign-in with this email counts (the engine's own key function). */
export function signInKeysOf(tenant: Tenant, email: string): { attempts: string; lock: string } {
  return lockoutKeys({ ...tenant, kind: "email", value: email });
}

// ---------------------------------------------------------------------------------------------------------------
// SQL building blocks

const crockford = "0123456789abcdefghjkmnpqrstvwxyz";
const nonNegative = "9223372036854775807"; // masks a hash to 63 bits, so `%` never sees a negative number

/** The last `chars` base32 digits of the bigint SQL expression `x`, most significant first. */
function base32Sql(x: string, chars: number): string {
  const digits: string[] = [];
  for (let k = chars - 1; k >= 0; k--) digits.push(`substr('${crockford}', (((${x}) >> ${5 * k}) & 31)::int + 1, 1)`);
  return digits.join(" || ");
}

/**
 * A TypeID of `prefix` for the UUIDv7 made of the millisecond timestamp `ms` and the 74 random bits taken from the
 * bigint expressions `r1` (22 + 12 bits) and `r2` (40 bits). A TypeID suffix is the UUID's 128 bits, padded to 130,
 * in 26 base32 digits: the first 10 digits are exactly the 48-bit timestamp; the next 8 carry version 7, 12 random
 * bits, variant 0b10 and 22 random bits; the last 8 the remaining 40 random bits.
 */
function typeIdSql(prefix: string, ms: string, r1: string, r2: string): string {
  const middle = `(${7n << 36n}::bigint | (((${r1}) & 4095) << 24) | (2::bigint << 22) | (((${r1}) >> 12) & 4194303))`;
  const last = `((${r2}) & 1099511627775)`;
  return `'${prefix}_' || ${base32Sql(ms, 10)} || ${base32Sql(middle, 8)} || ${base32Sql(last, 8)}`;
}

/** A pseudo-random bigint for row `n` (a bigint expression), one stream per `seed`. */
const hashOf = (n: string, seed: number) => `hashint8extended(${n}, ${seed})`;
/** A pseudo-random integer in [0, m) for row `n`. */
const drawOf = (n: string, seed: number, m: string) => `((${hashOf(n, seed)} & ${nonNegative}) % ${m})`;
const sha256Hex = (text: string) => `encode(sha256(convert_to(${text}, 'UTF8')), 'hex')`;
/** `chars` (≤ 64) random-looking hex characters for row `n`, different per `salt` (md5: the cheapest hash in SQL). */
const hexOf = (n: string, salt: string, chars: number) =>
  chars <= 32 ? `left(md5('${salt}:' || ${n}), ${chars})` : `md5('${salt}:' || ${n}) || left(md5('${salt}+:' || ${n}), ${chars - 32})`;
const msToTimestamp = (ms: string) => `to_timestamp((${ms}) / 1000.0)`;

/**
 * When the rows were made: users over the past year, sessions over the past 29 days (their 30-day refresh expiry
 * still ahead), in milliseconds.
 */
interface Clock {
  usersFrom: number;
  usersStep: number;
  sessionsFrom: number;
  sessionsStep: number;
  now: number;
}

function clockFor(size: SeedSize, now: number): Clock {
  const day = 86_400_000;
  return {
    usersFrom: now - 365 * day,
    usersStep: Math.max(1, Math.floor((364 * day) / size.users)),
    sessionsFrom: now - 29 * day,
    sessionsStep: Math.max(1, Math.floor((29 * day - 60_000) / size.sessions)),
    now,
  };
}

/**
 * Every statement starts with this one-row CTE naming its parameters, so all statements take the same list
 * (`statementParams`) and none leaves a parameter unreferenced (PostgreSQL could not type it). `first_row`..`last_row`
 * is the batch; `roles` the draw array of a role assignment (see `userRolesInsert`).
 */
const paramsCte = `WITH p AS (
    SELECT $1::text AS app_id, $2::text AS env_id, $3::bigint AS users, $4::bigint AS users_from, $5::bigint AS users_step,
      $6::bigint AS sessions_from, $7::bigint AS sessions_step, $8::bigint AS seeded_at, $9::bigint AS first_row,
      $10::bigint AS last_row, $11::text[] AS roles
  )`;

function statementParams(tenant: Tenant, size: SeedSize, clock: Clock, batch: { from: number; to: number }, roles: Array<string | null>): unknown[] {
  return [tenant.appId, tenant.envId, size.users, clock.usersFrom, clock.usersStep, clock.sessionsFrom, clock.sessionsStep, clock.now, batch.from, batch.to, roles];
}

const userMs = (i: string) => `(p.users_from + (${i}) * p.users_step)`;
const textArray = (xs: readonly string[]) => `ARRAY[${xs.map((x) => `'${x.replace(/'/g, "''")}'`).join(", ")}]`;

/**
 * Every user's number, id and creation time, computed once into a temporary table: the users, their hashes,
 * sessions and role assignments all need the id, and one TypeID costs more in SQL than the hash join that finds it.
 */
const userIdsTable = "CREATE TEMPORARY TABLE scale_users (n bigint NOT NULL, id text NOT NULL, ms bigint NOT NULL)";
function userIdsInsert(): string {
  return `${paramsCte}
    INSERT INTO scale_users (n, id, ms)
    SELECT i, ${typeIdSql("ausr", userMs("i"), hashOf("i", 1), hashOf("i", 2))}, ${userMs("i")}
    FROM p, generate_series(p.first_row, p.last_row) AS i`;
}
/** The batch's users in `scale_users`, as `u`. */
const batchUsers = "FROM p JOIN scale_users u ON u.n BETWEEN p.first_row AND p.last_row";

/** Users of the batch: verified, named, created in order over the past year. */
function usersInsert(): string {
  return `${paramsCte}
    INSERT INTO authsome_users (id, app_id, env_id, email, email_verified, first_name, last_name, created_at, updated_at)
    SELECT u.id, p.app_id, p.env_id,
      substr(md5(u.n::text), 1, 6) || '.' || u.n || '@' || (${textArray(domains)})[u.n % ${domains.length} + 1],
      true, (${textArray(firstNames)})[u.n % ${firstNames.length} + 1], (${textArray(lastNames)})[(u.n / ${firstNames.length}) % ${lastNames.length} + 1],
      ${msToTimestamp("u.ms")}, ${msToTimestamp("u.ms")}
    ${batchUsers}`;
}

/**
 * Each user's current password: a PHC string of the app's argon2id parameters with a salt and hash of their own
 * (hex digits, a subset of the PHC base64 alphabet, at the real lengths: 22 and 43 characters).
 */
function passwordHashesInsert(): string {
  return `${paramsCte}
    INSERT INTO authsome_password_hashes (id, user_id, hash, created_at)
    SELECT ${typeIdSql("apwh", "u.ms", hashOf("u.n", 3), hashOf("u.n", 4))}, u.id,
      '$argon2id$v=19$m=19456,t=2,p=1$' || ${hexOf("u.n", "salt", 22)} || '$' || ${hexOf("u.n", "hash", 43)}, ${msToTimestamp("u.ms")}
    ${batchUsers}`;
}

/**
 * Sessions of the batch, each of a user drawn by hashing its number: about five per user, as Poisson has it. Tokens
 * as `sessionTokenOf` makes them (the refresh token likewise, `ar_`), family ids of 43 random-looking characters.
 * Access tokens expire 12 to 24 hours after seeding; refresh tokens 30 days after the session was created.
 */
function sessionsInsert(): string {
  const ms = "(p.sessions_from + s.j * p.sessions_step)";
  return `${paramsCte}
    INSERT INTO authsome_sessions (id, app_id, env_id, user_id, token_hash, refresh_token_hash, family_id, ip_address,
      user_agent, method, expires_at, refresh_expires_at, created_at, updated_at)
    SELECT ${typeIdSql("ases", ms, hashOf("s.j", 5), hashOf("s.j", 6))}, p.app_id, p.env_id, u.id,
      ${sha256Hex("'as_' || lpad(to_hex(s.j), 43, '0')")}, ${sha256Hex("'ar_' || lpad(to_hex(s.j), 43, '0')")},
      'asfm_' || ${hexOf("s.j", "family", 43)},
      '10.' || ((s.j >> 16) & 255) || '.' || ((s.j >> 8) & 255) || '.' || (s.j & 255),
      (${textArray(userAgents)})[s.j % ${userAgents.length} + 1], 'password',
      ${msToTimestamp(`p.seeded_at + 43200000 + ${drawOf("s.j", 7, "43200000")}`)},
      ${msToTimestamp(`${ms} + 2592000000`)}, ${msToTimestamp(ms)}, ${msToTimestamp(ms)}
    FROM p, generate_series(p.first_row, p.last_row) AS s (j), scale_users u
    WHERE u.n = 1 + ${drawOf("s.j", 8, "p.users")}`;
}

/**
 * Role assignments of the batch's users: `p.roles` holds 100 role ids (a user's draw in [0, 100) picks one, so the
 * array's make-up is the distribution); a NULL entry means no role from that array.
 */
function userRolesInsert(seed: number, idSeed: number): string {
  return `${paramsCte}
    INSERT INTO authsome_user_roles (id, user_id, role_id, org_id, assigned_at)
    SELECT ${typeIdSql("aurl", "u.ms", hashOf("u.n", idSeed), hashOf("u.n", idSeed + 1))}, u.id, p.roles[1 + ${drawOf("u.n", seed, "100")}], NULL, ${msToTimestamp("u.ms")}
    ${batchUsers}
    WHERE p.roles[1 + ${drawOf("u.n", seed, "100")}] IS NOT NULL`;
}

// ---------------------------------------------------------------------------------------------------------------
// Roles: a small hierarchy configured by hand, as a tenant's is

interface RoleSpec {
  slug: string;
  parent: string | null;
  grants: Array<[action: string, resource: string]>;
  /** Percent of users holding it as their primary role, or (`secondary`) as a second one. */
  share: number;
  secondary?: boolean;
}

/** owner → admin → manager → editor → member and support → member: a check may climb four parents. */
const roleSpecs: RoleSpec[] = [
  { slug: "member", parent: null, grants: [["read", "documents"], ["read", "projects"], ["read", "comments"], ["write", "comments"]], share: 45 },
  { slug: "editor", parent: "member", grants: [["write", "documents"], ["write", "projects"]], share: 25 },
  { slug: "manager", parent: "editor", grants: [["delete", "documents"], ["invite", "members"], ["read", "billing"]], share: 12 },
  { slug: "admin", parent: "manager", grants: [["*", "settings"], ["*", "users"], ["delete", "projects"]], share: 7 },
  { slug: "owner", parent: "admin", grants: [["*", "*"]], share: 3 },
  { slug: "support", parent: "member", grants: [["read", "users"], ["impersonate", "users"]], share: 8 },
  { slug: "billing", parent: null, grants: [["read", "billing"], ["write", "billing"]], share: 12, secondary: true },
  { slug: "auditor", parent: null, grants: [["read", "audit_logs"], ["export", "audit_logs"]], share: 8, secondary: true },
];

/** The checks the harness asks, drawn at random: allowed for some users, denied for others. */
export const permissionChecks: ReadonlyArray<{ action: string; resource: string }> = [
  { action: "read", resource: "documents" },
  { action: "delete", resource: "documents" },
  { action: "read", resource: "billing" },
  { action: "impersonate", resource: "users" },
  { action: "write", resource: "settings" },
  { action: "export", resource: "audit_logs" },
];

/** Creates the roles and their grants through the store; returns the 100-entry draw arrays for the assignments. */
async function createRoles(store: PostgresStore, tenant: Tenant): Promise<{ primary: Array<string | null>; secondary: Array<string | null> }> {
  const ids = new Map<string, string>();
  for (const spec of roleSpecs) {
    const parentId = spec.parent === null ? null : ids.get(spec.parent)!;
    const role = await store.roles.create({ ...tenant, name: spec.slug, slug: spec.slug, parentId, createdAt: new Date() });
    ids.set(spec.slug, role.id);
    for (const [action, resource] of spec.grants) await store.roles.grant(role.id, action, resource);
  }
  const drawArray = (secondary: boolean) => {
    const out: Array<string | null> = [];
    for (const spec of roleSpecs.filter((s) => (s.secondary ?? false) === secondary)) out.push(...Array<string>(spec.share).fill(ids.get(spec.slug)!));
    while (out.length < 100) out.push(null);
    if (out.length !== 100) throw new Error("role shares must add up to at most 100");
    return out;
  };
  return { primary: drawArray(false), secondary: drawArray(true) };
}

// ---------------------------------------------------------------------------------------------------------------
// Seeding

/** Rows per statement: big enough to cost nothing per statement, small enough to report progress. */
const batchRows = 500_000;

/**
 * Seeds `size` into the migrated database behind `pool` for `tenant`: roles through the store, then every bulk table
 * by SQL on one connection with `synchronous_commit` off (nothing here is timed, and a crash only means re-running).
 * Foreign-key triggers are skipped where the role allows it (superuser): every reference is built to exist, and
 * checking millions of them would slow the load down a lot. Then VACUUM (ANALYZE), so the planner has statistics and
 * autovacuum has nothing left to do in the middle of a timed run, and a CHECKPOINT, so that no flush of the load's
 * dirty pages lands there either.
 */
export async function seedScale(pool: pg.Pool, store: PostgresStore, tenant: Tenant, size: SeedSize, log: (message: string) => void): Promise<SeedTimings> {
  const started = performance.now();
  const roles = await createRoles(store, tenant);
  const clock = clockFor(size, Date.now());
  const client = await pool.connect();
  try {
    await client.query("SET synchronous_commit = off");
    await client.query("SET session_replication_role = replica").catch(() => log("not a superuser: foreign keys are checked while seeding (slower)"));
    await client.query("SET work_mem = '256MB'"); // the sessions' hash join on scale_users stays in memory
    const insert = async (label: string, statement: string, rows: number, drawArray: Array<string | null> = []) => {
      for (let from = 1; from <= rows; from += batchRows) {
        const to = Math.min(rows, from + batchRows - 1);
        await client.query(statement, statementParams(tenant, size, clock, { from, to }, drawArray));
        if (rows > batchRows) log(`  ${label}: ${to.toLocaleString("en")} / ${rows.toLocaleString("en")} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
      }
    };
    await client.query(userIdsTable);
    await insert("user ids", userIdsInsert(), size.users);
    await client.query("ANALYZE scale_users"); // so that the sessions' join on it is planned as a hash join
    await insert("users", usersInsert(), size.users);
    await insert("password hashes", passwordHashesInsert(), size.users);
    await insert("sessions", sessionsInsert(), size.sessions);
    await insert("role assignments", userRolesInsert(9, 20), size.users, roles.primary);
    await insert("second roles", userRolesInsert(10, 22), size.users, roles.secondary);
    await client.query("RESET session_replication_role");
    await client.query("DROP TABLE scale_users");
  } finally {
    client.release();
  }
  const inserted = performance.now();
  for (const table of ["authsome_users", "authsome_password_hashes", "authsome_sessions", "authsome_user_roles", "authsome_roles", "authsome_role_permissions"]) {
    await pool.query(`VACUUM (ANALYZE) ${table}`);
  }
  await pool.query("CHECKPOINT").catch(() => log("CHECKPOINT refused (not a superuser): the load's dirty pages are flushed by the next one"));
  return { insertSeconds: (inserted - started) / 1000, vacuumSeconds: (performance.now() - inserted) / 1000 };
}
