// What race tests share: several engine instances on one database, and a tally of what concurrent calls answered.
import type { CallResult, EngineOptions, TestEngine } from "./engine.js";

/** How many responses had each status (and error code), e.g. `{ "200": 1, "400 invalid_token": 9 }`. */
export function tally(results: CallResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of results) {
    const key = r.status < 300 ? String(r.status) : `${r.status} ${r.body?.code}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

/** `e` and `count - 1` siblings (on PostgreSQL each with its own pool of `poolSize`), all serving one app. */
export async function instancesOf(e: TestEngine, count: number, options: EngineOptions & { poolSize?: number } = {}): Promise<TestEngine[]> {
  const engines = [e];
  for (let i = 1; i < count; i++) engines.push(await e.sibling({ poolSize: 5, ...options }));
  return engines;
}

/** Stops the siblings, then the primary (which drops the database). */
export async function dropInstances(engines: TestEngine[]): Promise<void> {
  for (const other of engines.slice(1)) await other.drop();
  await engines[0]?.drop();
}
