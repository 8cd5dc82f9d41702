/**
 * The bounded load generator: autocannon used as a library, closed loop — a fixed number of connections, one
 * request in flight on each (`pipelining: 1`), for a fixed duration. Requests rotate: every connection cycles
 * through its own share of the given requests (connection c sends requests c, c + connections, c + 2·connections, …,
 * modulo the list), so many sessions are exercised, not one, while each request is still encoded once up front
 * (no per-request setup in the generator's hot path).
 *
 * Throughput is the 2xx responses over the measured duration; p50/p99 are computed from every 2xx response time
 * (autocannon's own histogram keeps whole milliseconds only). A run with any non-2xx answer, error or timeout is
 * marked `failed`: its numbers do not measure what they claim to.
 */
import { createRequire } from "node:module";

export interface LoadRequest {
  method: "GET" | "POST";
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface LoadOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:PORT */
  url: string;
  requests: readonly LoadRequest[];
  connections: number;
  seconds: number;
  /** Stops the run early (Ctrl-C); the partial result comes back. */
  signal?: AbortSignal;
}

export interface LoadResult {
  /** 2xx responses per second. */
  rps: number;
  /** Milliseconds. */
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Status codes seen other than 2xx, with counts. */
  statusCodes: Record<string, number>;
  failed: boolean;
}

// autocannon ships no types; this is the part of its API the harness uses.
interface AutocannonClient {
  setRequests(requests: LoadRequest[]): void;
}
interface AutocannonResult {
  duration: number;
  "2xx": number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
}
interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(event: "response", listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): void;
  stop(): void;
}
type Autocannon = (options: Record<string, unknown>) => AutocannonInstance;

const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

/** The requests connection `index` cycles through. */
export function shareOf<T>(items: readonly T[], index: number, connections: number): T[] {
  const share: T[] = [];
  for (let i = index; i < Math.max(items.length, index + 1); i += connections) share.push(items[i % items.length]!);
  return share;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/** Runs one bounded load against `options.url` and summarises it. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (options.requests.length === 0) throw new Error("runLoad needs at least one request");
  let nextClient = 0;
  const latencies: number[] = [];
  const instance = autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    pipelining: 1,
    timeout: 10,
    requests: [options.requests[0]],
    setupClient: (client: AutocannonClient) => {
      client.setRequests(shareOf(options.requests, nextClient++ % options.connections, options.connections).map((r) => ({ ...r })));
    },
  });
  instance.on("response", (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
  });
  const stop = () => instance.stop();
  options.signal?.addEventListener("abort", stop, { once: true });
  let result: AutocannonResult;
  try {
    result = await instance;
  } finally {
    options.signal?.removeEventListener("abort", stop);
  }
  const sorted = Float64Array.from(latencies).sort();
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) if (!code.startsWith("2")) statusCodes[code] = count;
  return {
    rps: result["2xx"] / result.duration,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    requests: result["2xx"] + result.non2xx,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    failed: result.non2xx > 0 || result.errors > 0 || result["2xx"] === 0,
  };
}
