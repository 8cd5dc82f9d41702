/**
 * The child side of a server under test. Each server runs in a process of its own, so the load generator (in the
 * harness's process) never shares its event loop and its resident memory is its own. The protocol, over the IPC
 * channel `spawnServer` opens:
 *   child → parent  { type: "ready", url, ...details } once it listens; { type: "error", message } if it cannot
 *   parent → child  { type: "rss" }  → answered with { type: "rss", rss } (process.memoryUsage().rss, bytes)
 *                   { type: "stop" } → closes and exits; so does a closed channel (the harness died)
 * The configuration comes as JSON in argv[2].
 */
import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RunningServer {
  url: string;
  /** Anything else the harness needs (sent with the ready message; must survive JSON). */
  details?: Record<string, unknown>;
  close(): Promise<void>;
}

export type ParentMessage = { type: "rss" } | { type: "stop" };
export type ChildMessage =
  | ({ type: "ready"; url: string } & Record<string, unknown>)
  | { type: "rss"; rss: number }
  | { type: "error"; message: string };

/** The JSON configuration the harness passed in argv[2]. */
export function readConfig<T>(): T {
  const raw = process.argv[2];
  if (!raw) throw new Error("missing configuration argument (JSON)");
  return JSON.parse(raw) as T;
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

/** Starts the server, reports it, answers RSS queries and shuts down on request or when the harness goes away. */
export async function serve(start: () => Promise<RunningServer>): Promise<void> {
  if (!process.send) throw new Error("a bench server must be spawned with an IPC channel");
  let server: RunningServer;
  try {
    server = await start();
  } catch (error) {
    const message: ChildMessage = { type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    process.send(message, () => process.exit(1)); // exit once the report is out
    return;
  }
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.close().catch(() => {});
    process.exit(0);
  };
  process.on("message", (message: ParentMessage) => {
    if (message.type === "rss") send({ type: "rss", rss: process.memoryUsage().rss });
    else if (message.type === "stop") void stop();
  });
  process.on("disconnect", () => void stop());
  send({ type: "ready", url: server.url, ...server.details });
}

/** A node:http server on 127.0.0.1 at a random port; resolves with it and its base URL. */
export async function listen(handler: RequestListener): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Closes the server, dropping the load generator's keep-alive sockets. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
