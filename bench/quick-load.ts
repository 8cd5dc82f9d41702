// A quick local load for the engine issue's closing note, on PostgreSQL (BENCH_DATABASE_URL):
// GET /session through the real route and middleware against a bare node:http "ceiling" server doing only the
// unavoidable work (hash the token, one joined lookup, write the same JSON) through a pool of the same size; and
// POST /signin against bare argon2id verification at the same parameters and concurrency. Rate limits are
// DISABLED for these runs (they would cut the load off) and the harness says so.
//   npm run bench:quick [-- --seconds 5 --connections 32 --reps 3]
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { verify } from "@node-rs/argon2";
import pg from "pg";
import { createAuthsome } from "../src/engine/authsome.js";
import { toSessionBody, toUserBody } from "../src/http/schemas.js";
import { password } from "../src/plugins/password/index.js";
import { postgresStore } from "../src/store/postgres/store.js";
import { mapRow } from "../src/store/postgres/rows.js";
import { sessions } from "../src/schema/sessions.js";
import { users } from "../src/schema/users.js";
import { median, withBenchDatabase } from "./database.js";

const { values } = parseArgs({ options: { seconds: { type: "string", default: "5" }, connections: { type: "string", default: "32" }, reps: { type: "string", default: "3" } } });
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const reps = Number(values.reps);
const poolSize = 10;

interface LoadResult { requests: number; rps: number; p50: number; p99: number; errors: number }

/** Runs the load generator as a child process (asynchronously: the servers live in this process). */
function load(url: string, method: string, headersList: Record<string, string>[], bodies?: string[]): Promise<LoadResult> {
  const cpu = process.cpuUsage();
  return new Promise<LoadResult>((resolve, reject) => {
    const args = [new URL("./load-client.mjs", import.meta.url).pathname, JSON.stringify({ url, method, headersList, bodies, connections, seconds })];
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(JSON.parse(out) as LoadResult) : reject(new Error(`load client exited ${code}`))));
  }).then((r) => {
    const used = process.cpuUsage(cpu);
    if (process.env.BENCH_CPU) console.log(`${url}: server CPU ${(((used.user + used.system) / r.requests)).toFixed(0)} µs/request (user ${(used.user / r.requests).toFixed(0)}, system ${(used.system / r.requests).toFixed(0)})`);
    return r;
  });
}

const servers: Server[] = [];
async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

console.log(`quick load: ${connections} connections × ${seconds} s, median of ${reps}; pool ${poolSize}; rate limits DISABLED for throughput`);

await withBenchDatabase(async ({ pool }) => {
  const store = postgresStore((await import("drizzle-orm/node-postgres")).drizzle(pool));
  const auth = createAuthsome({ store, plugins: [password()], config: { development: true, basePath: "/v1/auth", rateLimits: false, lockout: false } });
  await auth.start();
  const meta = { ipAddress: "127.0.0.1", userAgent: "bench" };
  const secret = "correct horse battery staple";
  const signedUp = [];
  for (let i = 0; i < 64; i++) {
    const result = await auth.api.signUp({ email: `bench${i}@example.com`, password: secret }, meta, "http://localhost");
    if (result.verificationRequired) throw new Error("unexpected");
    signedUp.push(result);
  }
  const authsome = await listen(createServer(auth.nodeHandler));

  // The ceiling: the same lookup (token hash → session joined to its live user) on a bare pool of the same size.
  const ceilingPool = new pg.Pool({ connectionString: (pool as unknown as { options: { connectionString: string } }).options.connectionString, max: poolSize });
  const lookup = `SELECT s.*, u.* FROM authsome_sessions s JOIN authsome_users u ON u.id = s.user_id
                  WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.deleted_at IS NULL LIMIT 1`;
  const ceiling = await listen(
    createServer(async (req, res) => {
      const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "";
      const hash = createHash("sha256").update(token).digest("hex");
      // A named prepared statement, as Authsome's session check is: parsed and planned once per connection.
      const result = await ceilingPool.query({ name: "ceiling_session_check", text: lookup, values: [hash, new Date()], rowMode: "array" });
      const row = result.rows[0] as unknown[] | undefined;
      if (!row) {
        res.writeHead(401, { "content-type": "application/json" }).end('{"error":"unauthorized","code":"unauthorized"}');
        return;
      }
      const names = result.fields.map((f) => f.name);
      const sessionRow = Object.fromEntries(names.slice(0, 16).map((n, i) => [n, row[i]]));
      const userRow = Object.fromEntries(names.slice(16).map((n, i) => [n, row[16 + i]]));
      const body = JSON.stringify({ user: toUserBody(mapRow(users, userRow)), session: toSessionBody(mapRow(sessions, sessionRow)) });
      res.writeHead(200, { "content-type": "application/json" }).end(body);
    }),
  );

  const bearer = signedUp.map((u) => ({ authorization: `Bearer ${u.sessionToken}` }));
  const sessionRuns = { authsome: [] as LoadResult[], ceiling: [] as LoadResult[] };
  for (let r = 0; r < reps; r++) {
    sessionRuns.authsome.push(await load(`${authsome}/v1/auth/session`, "GET", bearer));
    sessionRuns.ceiling.push(await load(`${ceiling}/`, "GET", bearer));
  }

  const signInBodies = signedUp.map((u) => JSON.stringify({ email: u.user.email, password: secret }));
  const json = [{ "content-type": "application/json" }];
  const phc = (await ceilingPool.query("SELECT hash FROM authsome_password_hashes LIMIT 1")).rows[0].hash as string;
  const bareArgon = await listen(
    createServer(async (_req, res) => {
      _req.resume();
      const ok = await verify(phc, secret);
      res.writeHead(ok ? 200 : 401).end();
    }),
  );
  const signInRuns = { authsome: [] as LoadResult[], bare: [] as LoadResult[] };
  for (let r = 0; r < reps; r++) {
    signInRuns.authsome.push(await load(`${authsome}/v1/auth/signin`, "POST", json, signInBodies));
    signInRuns.bare.push(await load(`${bareArgon}/`, "POST", json, signInBodies));
  }

  const row = (label: string, runs: LoadResult[]) =>
    `| ${label} | ${median(runs.map((x) => x.rps)).toFixed(0)} req/s | p50 ${median(runs.map((x) => x.p50)).toFixed(2)} ms | p99 ${median(runs.map((x) => x.p99)).toFixed(2)} ms | errors ${runs.reduce((n, x) => n + x.errors, 0)} |`;
  console.log("| server | throughput | p50 | p99 | errors |\n|---|---|---|---|---|");
  console.log(row("GET /session — Authsome", sessionRuns.authsome));
  console.log(row("GET /session — ceiling (bare node:http + one query)", sessionRuns.ceiling));
  console.log(row("POST /signin — Authsome", signInRuns.authsome));
  console.log(row("POST /signin — bare argon2id verify", signInRuns.bare));
  const ratio = (a: LoadResult[], b: LoadResult[]) => (median(a.map((x) => x.rps)) / median(b.map((x) => x.rps))).toFixed(2);
  console.log(`session check: ${ratio(sessionRuns.authsome, sessionRuns.ceiling)}× ceiling; sign-in: ${ratio(signInRuns.authsome, signInRuns.bare)}× bare argon2`);
  console.log(`RSS ${(process.memoryUsage().rss / 1_048_576).toFixed(0)} MB (servers and load in one process tree: the load runs in a child)`);
  for (const server of servers) server.closeAllConnections(), server.close();
  await ceilingPool.end();
  await auth.stop();
}, poolSize);
