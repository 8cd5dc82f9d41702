import { isAuthsomeError } from "../../errors.js";
import type { OutageGate } from "../../mail/queue.js";
import type { Logger } from "../logger.js";

export interface AvailabilityDeps {
  /** One cheap round trip; rejects while the database cannot be reached. */
  ping: () => Promise<void>;
  logger: Logger;
  /** First probe after an outage is seen; each further one doubles, up to `maxDelayMs`. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * The database's availability as background workers see it — one gate for all of them (the mail queue now; any
 * later worker, such as a webhook dispatcher, through `ctx.availability`). A job that fails because the database is
 * unreachable closes the gate; while it is closed the workers start nothing new, and the gate probes with
 * exponential backoff until a ping answers, then opens and they resume. Requests never wait on it: they fail fast
 * with 503 on their own.
 */
export interface Availability extends OutageGate {
  /** Outages seen since start (each closing of the gate). */
  readonly outages: number;
  /** Stops probing (engine stop); whoever waits is released so that a draining worker can finish. */
  stop(): void;
}

/** True for the store's "the database cannot be reached" (503 `unavailable`), not for a slow or busy one. */
export function isDatabaseOutage(error: unknown): boolean {
  return isAuthsomeError(error) && error.kind === "unavailable" && error.code === "unavailable";
}

export function createAvailability(deps: AvailabilityDeps): Availability {
  const minDelayMs = deps.minDelayMs ?? 250;
  const maxDelayMs = deps.maxDelayMs ?? 30_000;
  let open = true;
  let outages = 0;
  let timer: NodeJS.Timeout | undefined;
  let waiters: Array<() => void> = [];

  function reopen(): void {
    open = true;
    clearTimeout(timer);
    timer = undefined;
    const released = waiters;
    waiters = [];
    for (const resolve of released) resolve();
  }

  function probe(delayMs: number): void {
    timer = setTimeout(() => {
      deps.ping().then(
        () => {
          deps.logger.info("database reachable again; background work resumes", { outages });
          reopen();
        },
        () => probe(Math.min(delayMs * 2, maxDelayMs)),
      );
    }, delayMs);
    timer.unref(); // probing never keeps the process alive
  }

  return {
    get open() {
      return open;
    },
    get outages() {
      return outages;
    },
    whenOpen() {
      return open ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve));
    },
    async absorb(error) {
      if (!isDatabaseOutage(error)) return false;
      if (!open) return true;
      // Confirm before closing: an error that only looks like an outage must not park jobs forever without a try spent.
      const down = await deps.ping().then(() => false, () => true);
      if (!down) return false;
      if (open) {
        open = false;
        outages++;
        deps.logger.warn("database unreachable; background work pauses", { outages });
        probe(minDelayMs);
      }
      return true;
    },
    stop() {
      reopen();
    },
  };
}
