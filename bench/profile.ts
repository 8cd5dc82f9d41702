/**
 * What a server under load costs in CPU, which throughput on a shared machine hides: seeds a database as
 * `npm run bench` does, starts the chosen servers, drives each alone with the bench's load in interleaved
 * repetitions, and prints each server's CPU time (user + system, read from /proc) per request — all threads, and
 * the main thread alone (argon2 runs on libuv's pool) — and that of all
 * PostgreSQL processes when the database runs on this machine. With `--cpu-prof`
 * the servers run under `node --cpu-prof` and their self time per request is grouped by where the code lives
 * (Node's HTTP and net internals, pg, hono, Authsome's src/, GC, …), with the heaviest functions.
 *
 *   npm run bench:profile [-- --target session|signin] [--servers authsome,ceiling] [--seconds 10]
 *                         [--connections 128] [--reps 3] [--cpu-prof]
 *
 * Installs bench/'s dependencies on first use, as `npm run bench` does. Profiles are kept in the printed directory.
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createPostgresStore } from "../src/store/postgres/pool.js";
import { createBenchDatabase, dropBenchDatabase, median } from "./database.js";
import { type LoadRequest, runLoad } from "./load.js";
import { authsomeBasePath, benchPoolSize, seedPassword } from "./servers/config.js";
import { createBenchAuth, seedAuthsome } from "./servers/seed.js";
import { type ServerName, spawnServer, stopAllServers } from "./servers/spawn.js";

const { values } = parseArgs({
  options: {
    target: { type: "string", default: "session" },
    servers: { type: "string", default: "authsome,ceiling" },
    seconds: { type: "string", default: "10" },
    connections: { type: "string", default: "128" },
    reps: { type: "string", default: "3" },
    "cpu-prof": { type: "boolean", default: false },
    "node-args": { type: "string", default: "" },
  },
});
function fail(message: string): never {
  console.error(`bench:profile: ${message}`);
  process.exit(2);
}
function positiveInteger(name: string, raw: string): number {
  const n = Number(raw);
  return Number.isSafeInteger(n) && n > 0 ? n : fail(`--${name} must be a positive integer, not ${JSON.stringify(raw)}`);
}
const profiled: readonly ServerName[] = ["authsome", "ceiling", "hono-floor", "argon2"];
if (values.target !== "session" && values.target !== "signin") fail(`--target must be session or signin, not ${JSON.stringify(values.target)}`);
const target = values.target;
const seconds = positiveInteger("seconds", values.seconds);
const connections = positiveInteger("connections", values.connections);
const reps = positiveInteger("reps", values.reps);
const names = values.servers.split(",").map((s) => s.trim()) as ServerName[];
for (const name of names) if (!profiled.includes(name)) fail(`unknown server ${JSON.stringify(name)} (one of ${profiled.join(", ")})`);

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  startTime: number;
  endTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a frame's code lives, coarsely. */
function bucket(frame: ProfileNode["callFrame"]): string {
  const { url, functionName } = frame;
  if (functionName === "(idle)") return "(idle)";
  if (functionName === "(garbage collector)") return "GC";
  if (functionName === "(program)") return "(program: native, unattributed)";
  if (!url) return `native: ${functionName || "(anonymous)"}`;
  if (url.startsWith("node:")) return url.replace(/^node:internal\//, "node:").replace(/\/.*$/, "");
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const src = /\/(src|bench)\/(.*)$/.exec(url);
  return src ? `${src[1]}/${src[2]}` : url;
}

/** The user + system CPU time a process (or, with `tid`, one of its threads) has used so far, in µs (Linux). */
function processCpuUs(pid: number, tid?: number): number {
  const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / clockTicks;
}
const clockTicks = 100; // USER_HZ on Linux

/** CPU time used so far by each PostgreSQL process on this machine, in µs by pid (the server must be local). */
function postgresCpu(): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      if (stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")) !== "postgres") continue;
      out.set(Number(entry), processCpuUs(Number(entry)));
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/** What PostgreSQL's processes used between two snapshots (a process that ended in between is not counted). */
function postgresCpuSince(before: Map<number, number>): number {
  let total = 0;
  for (const [pid, us] of postgresCpu()) total += us - (before.get(pid) ?? 0);
  return total;
}

/** Self time per profile node. */
function selfTimes(profile: CpuProfile): Map<number, number> {
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + (profile.timeDeltas[i] ?? 0));
  return self;
}

function summarize(file: string, requests: number): void {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = selfTimes(profile);
  const buckets = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of self) {
    const frame = byId.get(id)!.callFrame;
    const b = bucket(frame);
    buckets.set(b, (buckets.get(b) ?? 0) + us);
    if (b === "(idle)") continue;
    busy += us;
    const name = `${frame.functionName || "(anonymous)"} ${frame.url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*\/(src|bench)\//, "$1/")}:${frame.lineNumber + 1}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
  }
  const perRequest = (us: number) => (us / requests).toFixed(1).padStart(7);
  console.log(`  busy CPU ${perRequest(busy)} µs per request (profile of the whole run, start-up and warm-up included, over its ${requests} measured requests)`);
  for (const [b, us] of [...buckets].sort((x, y) => y[1] - x[1]).filter(([b]) => b !== "(idle)").slice(0, 18)) console.log(`   ${perRequest(us)} µs  ${b}`);
  console.log("  heaviest functions (self):");
  for (const [f, us] of [...functions].sort((x, y) => y[1] - x[1]).slice(0, 25)) console.log(`   ${perRequest(us)} µs  ${f}`);
}

const database = await createBenchDatabase("profile");
const dir = mkdtempSync(join(tmpdir(), "authsome-profile-"));
try {
  const store = createPostgresStore(database.url, { pool: { max: benchPoolSize } });
  const auth = createBenchAuth(store);
  await auth.start();
  const seeded = await seedAuthsome(auth, store, { users: 64, sessionUsers: 936, sessions: 1000, insertConcurrency: benchPoolSize });
  await store.db.execute("VACUUM (ANALYZE)");
  const phcRow = await store.db.execute<{ hash: string }>(`SELECT hash FROM authsome_password_hashes LIMIT 1`);
  await auth.stop();
  await store.close();

  const requests: LoadRequest[] =
    target === "session"
      ? seeded.tokens.map((token) => ({ method: "GET", path: `${authsomeBasePath}/session`, headers: { authorization: `Bearer ${token}` } }))
      : seeded.users.map((user) => ({
          method: "POST",
          path: `${authsomeBasePath}/signin`,
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: user.email, password: seedPassword }),
        }));
  const servers = [];
  for (const name of names) {
    const config =
      name === "argon2" ? { phc: (phcRow as unknown as { rows: Array<{ hash: string }> }).rows[0]!.hash, password: seedPassword } : { databaseUrl: database.url, poolSize: benchPoolSize };
    const profileArgs = values["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${join(dir, name)}`] : [];
    const server = await spawnServer(name, config, 120_000, [...values["node-args"].split(" ").filter(Boolean), ...profileArgs]);
    await runLoad({ url: server.url, requests, connections, seconds: 1 }); // warm-up
    servers.push({ name, server, cpuUs: [] as number[], mainUs: [] as number[], postgresUs: [] as number[], rps: [] as number[], requests: 0 });
  }
  // Interleaved repetitions; each server's CPU time (user + system, from /proc) per request of the measured run.
  for (let rep = 0; rep < reps; rep++) {
    for (const entry of servers) {
      const before = processCpuUs(entry.server.pid);
      const mainBefore = processCpuUs(entry.server.pid, entry.server.pid);
      const postgresBefore = postgresCpu();
      const load = await runLoad({ url: entry.server.url, requests, connections, seconds });
      const used = processCpuUs(entry.server.pid) - before;
      const mainUsed = processCpuUs(entry.server.pid, entry.server.pid) - mainBefore;
      const postgresUsed = postgresCpuSince(postgresBefore);
      entry.cpuUs.push(used / load.requests);
      entry.mainUs.push(mainUsed / load.requests);
      entry.postgresUs.push(postgresUsed / load.requests);
      entry.rps.push(load.rps);
      entry.requests += load.requests;
      console.log(`${entry.name} rep ${rep + 1}: ${load.rps.toFixed(0)} req/s, p50 ${load.p50.toFixed(1)} ms, p99 ${load.p99.toFixed(1)} ms, CPU ${(used / load.requests).toFixed(1)} µs per request (main thread ${(mainUsed / load.requests).toFixed(1)}), PostgreSQL ${(postgresUsed / load.requests).toFixed(1)} µs${load.failed ? " (FAILED)" : ""}`);
    }
  }
  for (const entry of servers) {
    await entry.server.stop();
    console.log(`\n${entry.name}: median ${median(entry.rps).toFixed(0)} req/s, CPU ${median(entry.cpuUs).toFixed(1)} µs per request (user + system, median of ${reps}; main thread ${median(entry.mainUs).toFixed(1)} µs, the rest libuv's pool and V8's helpers), PostgreSQL ${median(entry.postgresUs).toFixed(1)} µs`);
    const own = join(dir, entry.name);
    const file = values["cpu-prof"] ? readdirSync(own).find((f) => f.endsWith(".cpuprofile")) : undefined;
    if (file) summarize(join(own, file), entry.requests);
  }
  console.log(`\nprofiles: ${dir}`);
} finally {
  await stopAllServers();
  await dropBenchDatabase(database);
}
