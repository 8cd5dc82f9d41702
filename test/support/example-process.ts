// The example server behind `npm start` (examples/server.ts) as a real child process: started from a working
// directory of the caller's choosing — its imports resolve from the repository, its ./.authsome from that directory —
// and ready once it prints the URL it listens on (read from stdout, no sleeping). One process or several at once.
import { type ChildProcessByStdio, spawn } from "node:child_process";
import { createServer as createNetServer, type Server } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const example = join(root, "examples", "server.ts");
// tsx's loader by absolute URL: `--import tsx` would resolve from the child's cwd, a temp dir without node_modules.
const tsxLoader = pathToFileURL(join(root, "node_modules", "tsx", "dist", "loader.mjs")).href;

/** Variables of the test runner's own environment that a child gets only when the caller passes them. */
const notInherited = ["DATABASE_URL", "AUTHSOME_SECRET", "NODE_ENV", "APP_URL"];

export interface Example {
  origin: string;
  /** The API's base URL, `http://127.0.0.1:<port>/v1/auth`. */
  api: string;
  port: number;
  pid: number;
  stdout: () => string;
  stderr: () => string;
  /** Sends the signals (default SIGTERM) and resolves with the exit code once the process has ended. */
  stop(...signals: NodeJS.Signals[]): Promise<number | null>;
  /** Resolves with the first stdout line (printed from now on or before) that matches `pattern`. */
  waitForLine(pattern: RegExp): Promise<string>;
  /** True once the process has ended. */
  hasExited(): boolean;
}

const running = new Set<ChildProcessByStdio<null, Readable, Readable>>();

/** How many example processes started here have not exited yet. */
export function runningExamples(): number {
  return running.size;
}

/** SIGKILLs every example process started here that is still running (cleanup after a failed case). */
export function killRunningExamples(): void {
  for (const child of running) child.kill("SIGKILL");
}

/** `count` distinct ports nobody listens on right now (all held open together, so no two are the same). */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createNetServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", resolve);
      });
      ports.push((server.address() as { port: number }).port);
    }
    return ports;
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

/** A port nobody listens on right now: the example prints its URL from PORT, so PORT=0 would not do. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port as number;
}

/**
 * Starts the example in `cwd` and resolves once it prints the URL it listens on, its last start-up line. PORT is a
 * free port unless `extraEnv` sets one; DATABASE_URL, AUTHSOME_SECRET, NODE_ENV and APP_URL come only from `extraEnv`.
 * @throws Error with the process's output when it exits before listening
 */
export async function startExample(cwd: string, extraEnv: Record<string, string> = {}): Promise<Example> {
  const env: NodeJS.ProcessEnv = { ...process.env, HOST: "127.0.0.1", PORT: extraEnv.PORT ?? String(await freePort()), ...extraEnv };
  for (const name of notInherited) if (!(name in extraEnv)) delete env[name];
  const child = spawn(process.execPath, ["--import", tsxLoader, example], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  let stdout = "";
  let stderr = "";
  let ended = false;
  const lineWaiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  void exited.then(() => {
    ended = true;
    running.delete(child);
  });

  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      stdout += `${line}\n`;
      for (const waiter of lineWaiters.filter((w) => w.pattern.test(line))) {
        lineWaiters.splice(lineWaiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
      const match = /^Authsome example listening on (http:\/\/\S+)$/.exec(line);
      if (match?.[1]) resolve(match[1]);
    });
    void exited.then((code) => reject(new Error(`the example exited (${code}) before listening:\n${stdout}${stderr}`)));
  });
  return {
    origin: new URL(url).origin,
    api: url,
    port: Number(new URL(url).port),
    pid: child.pid as number,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop(...signals) {
      for (const signal of signals.length > 0 ? signals : (["SIGTERM"] as const)) child.kill(signal);
      return exited;
    },
    waitForLine(pattern) {
      const earlier = stdout.split("\n").find((line) => pattern.test(line));
      if (earlier !== undefined) return Promise.resolve(earlier);
      return new Promise<string>((resolve, reject) => {
        lineWaiters.push({ pattern, resolve });
        void exited.then(() => reject(new Error(`the example exited without printing a line matching ${pattern}:\n${stdout}${stderr}`)));
      });
    },
    hasExited: () => ended,
  };
}

export interface StartExamplesOptions {
  /** The working directory of every process, or of process `index`. */
  cwd: string | ((index: number) => string);
  /** Extra environment of every process, or of process `index` (each gets a distinct free PORT unless this sets one). */
  env?: Record<string, string> | ((index: number) => Record<string, string>);
}

/**
 * Spawns `count` example processes at once (not one after another) and resolves, in spawn order, once every one
 * listens. When any exits before listening, the others are killed and the first failure is thrown.
 */
export async function startExamples(count: number, options: StartExamplesOptions): Promise<Example[]> {
  const ports = await freePorts(count);
  const settled = await Promise.allSettled(
    ports.map((port, index) => {
      const cwd = typeof options.cwd === "function" ? options.cwd(index) : options.cwd;
      const extra = typeof options.env === "function" ? options.env(index) : (options.env ?? {});
      return startExample(cwd, { PORT: String(port), ...extra });
    }),
  );
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === "rejected");
  if (failed) {
    await Promise.all(settled.map((result) => (result.status === "fulfilled" ? result.value.stop("SIGKILL") : null)));
    throw failed.reason;
  }
  return settled.map((result) => (result as PromiseFulfilledResult<Example>).value);
}
