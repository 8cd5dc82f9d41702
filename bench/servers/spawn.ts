/**
 * The harness's side of a server under test: spawns `node --import tsx bench/servers/<name>.ts '<config JSON>'`
 * with an IPC channel, waits for its ready message, asks it for its RSS, and stops it. Every live child is
 * tracked so that the harness can stop them all on failure or Ctrl-C (`stopAllServers`).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ChildMessage } from "./child.js";

export type ServerName = "authsome" | "authsome-pglite" | "ceiling" | "hono-floor" | "argon2" | "better-auth";

export interface ServerProcess<Details> {
  name: ServerName;
  pid: number;
  url: string;
  details: Details;
  /** The child's resident set size, in bytes. */
  rss(): Promise<number>;
  stop(): Promise<void>;
}

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const live = new Set<ChildProcess>();

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve();
    }, timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  live.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  if (child.connected) child.send({ type: "stop" });
  else child.kill("SIGTERM");
  await waitForExit(child, 5_000);
}

/** Waits for the child's ready (or error) message; rejects if it exits first or takes longer than `timeoutMs`. */
function awaitReady(child: ChildProcess, name: string, timeoutMs: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`${name} server not ready after ${timeoutMs / 1000} s`)), timeoutMs);
    const onMessage = (message: ChildMessage) => {
      if (message.type === "ready") finish(null, message);
      else if (message.type === "error") finish(new Error(`${name} server failed to start:\n${message.message}`));
    };
    const onExit = (code: number | null) => finish(new Error(`${name} server exited (${code}) before it was ready`));
    function finish(error: Error | null, message?: Record<string, unknown>) {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      if (error) reject(error);
      else resolve(message!);
    }
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

function askRss(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no RSS answer")), 5_000);
    const onMessage = (message: ChildMessage) => {
      if (message.type !== "rss") return;
      clearTimeout(timer);
      child.off("message", onMessage);
      resolve(message.rss);
    };
    child.on("message", onMessage);
    child.send({ type: "rss" });
  });
}

/** Spawns one server under test and resolves once it listens. */
export async function spawnServer<Details = Record<string, never>>(
  name: ServerName,
  config: object,
  timeoutMs = 120_000,
  nodeArgs: readonly string[] = [],
): Promise<ServerProcess<Details>> {
  const script = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", script, JSON.stringify(config)], {
    cwd: repoRoot, // where `tsx` resolves
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  live.add(child);
  try {
    const { type: _type, url, ...details } = await awaitReady(child, name, timeoutMs);
    return {
      name,
      pid: child.pid!,
      url: url as string,
      details: details as Details,
      rss: () => askRss(child),
      stop: () => stopChild(child),
    };
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

/** Stops every server still running (failure paths and Ctrl-C). */
export async function stopAllServers(): Promise<void> {
  await Promise.all([...live].map(stopChild));
}

/** Synchronous last resort for process exit: kills what is left. */
export function killAllServers(): void {
  for (const child of live) child.kill("SIGKILL");
  live.clear();
}
