/**
 * The in-process queue mail goes out through. Routes that send mail hand it a job and answer at once, so a request
 * for a real address costs what one for an unknown address does (no enumeration by timing), and a slow or failing
 * SMTP server never holds a request. Bounded, retried with exponential backoff, drained on `stop()`.
 * @module
 */

/** How the queue behaves; every field has a default. */
export interface MailQueueOptions {
  /** Jobs waiting (not counting those running) beyond which new ones are dropped and logged. Default 1000. */
  maxSize?: number;
  /** Tries of one job before it is given up and logged. Default 5. */
  maxAttempts?: number;
  /** Delay before the first retry; each further one doubles it. Default 1000 ms. */
  retryDelayMs?: number;
  /** Jobs run at once. Default 4. */
  concurrency?: number;
  /** A try that takes longer counts as failed (a hung SMTP connection must not hold a slot forever). Default 30 s. */
  jobTimeoutMs?: number;
}

export interface QueueLogger {
  error(message: string, fields: Record<string, unknown>): void;
  warn(message: string, fields: Record<string, unknown>): void;
}

export interface MailQueue {
  /**
   * Queues `job` (labelled for logs); false when the queue is full or stopped and the job was dropped. While `stop()`
   * drains, jobs are still accepted (a running job may queue its send).
   */
  push(label: string, job: () => Promise<void>): boolean;
  /** Resolves once nothing is queued, running or waiting for a retry. */
  idle(): Promise<void>;
  /**
   * Runs what is queued and what that queues, up to `timeoutMs`, then refuses new jobs. Failures while draining are
   * not retried (logged instead); retries already waiting are abandoned.
   */
  stop(timeoutMs?: number): Promise<void>;
  /** Accepts jobs again after `stop()` (an engine started anew). */
  start(): void;
  /** Jobs queued, running or waiting for a retry. */
  readonly size: number;
}

/**
 * What a worker shares with every other about a dependency they all need (the database): while it is down, jobs wait
 * for it instead of spending their tries, and nothing new starts. The engine's gate probes with backoff.
 */
export interface OutageGate {
  /** False while the dependency is known to be down. */
  readonly open: boolean;
  /** Resolves once it answers again (at once while open). */
  whenOpen(): Promise<void>;
  /**
   * Looks at a job's failure: true when it was the dependency being down — the gate is then closed and probing — and
   * the job should wait for `whenOpen()` without spending a try; false for any other failure (retried as usual).
   */
  absorb(error: unknown): Promise<boolean>;
}

interface Entry {
  label: string;
  job: () => Promise<void>;
  attempts: number;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 1) throw new TypeError(`mailQueue.${name} must be a whole number of at least 1`);
  return v;
}

/**
 * @throws TypeError for an option that is not a positive whole number
 * @example
 * const queue = createMailQueue(logger, { maxAttempts: 3 });
 * queue.push("password_reset", () => mailer.send(message));
 */
export function createMailQueue(logger: QueueLogger, options: MailQueueOptions = {}, gate?: OutageGate): MailQueue {
  const maxSize = positive(options.maxSize, 1000, "maxSize");
  const maxAttempts = positive(options.maxAttempts, 5, "maxAttempts");
  const retryDelayMs = positive(options.retryDelayMs, 1000, "retryDelayMs");
  const concurrency = positive(options.concurrency, 4, "concurrency");
  const jobTimeoutMs = positive(options.jobTimeoutMs, 30_000, "jobTimeoutMs");
  const waiting: Entry[] = [];
  const retries = new Set<NodeJS.Timeout>();
  let running = 0;
  let draining = false;
  let stopped = false;
  let idleWaiters: Array<() => void> = [];
  let awaitingGate = false;

  const pending = () => waiting.length + running + retries.size;

  function settle(): void {
    if (pending() > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  function pump(): void {
    if (gate && !gate.open && waiting.length > 0 && !stopped) {
      // The database is down: queued jobs would only fail; they start once it answers again.
      if (!awaitingGate) {
        awaitingGate = true;
        void gate.whenOpen().then(() => {
          awaitingGate = false;
          pump();
        });
      }
      return settle();
    }
    while (running < concurrency && waiting.length > 0) {
      const entry = waiting.shift() as Entry;
      running++;
      void run(entry);
    }
    settle();
  }

  async function attempt(entry: Entry): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${jobTimeoutMs} ms`)), jobTimeoutMs);
      timer.unref();
    });
    try {
      await Promise.race([entry.job(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function run(entry: Entry): Promise<void> {
    entry.attempts++;
    try {
      await attempt(entry);
    } catch (error) {
      if (gate && !stopped && (await gate.absorb(error))) {
        // An outage is nobody's fault: the job goes back to the front and waits for the database, its try not spent.
        entry.attempts--;
        waiting.unshift(entry);
        return;
      }
      if (entry.attempts >= maxAttempts || draining || stopped) {
        logger.error("mail job failed; giving up", { job: entry.label, attempts: entry.attempts, error });
      } else {
        logger.warn("mail job failed; retrying", { job: entry.label, attempts: entry.attempts, error });
        const timer = setTimeout(() => {
          retries.delete(timer);
          if (stopped) return settle();
          waiting.push(entry);
          pump();
        }, retryDelayMs * 2 ** (entry.attempts - 1));
        timer.unref(); // a retry never keeps the process alive
        retries.add(timer);
      }
    } finally {
      running--;
      pump();
    }
  }

  return {
    push(label, job) {
      // Waiting and retrying jobs count against the bound; running ones hold a slot already.
      if (stopped || waiting.length + retries.size >= maxSize) {
        logger.error("mail job dropped", { job: label, reason: stopped ? "stopped" : "queue full" });
        return false;
      }
      waiting.push({ label, job, attempts: 0 });
      // After the current request has answered: the job never shares its event-loop turn.
      setImmediate(pump);
      return true;
    },
    idle() {
      if (pending() === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    start() {
      draining = false;
      stopped = false;
    },
    async stop(timeoutMs = 10_000) {
      draining = true;
      if (retries.size > 0) logger.error("mail jobs abandoned at stop", { retriesWaiting: retries.size });
      for (const timer of retries) clearTimeout(timer);
      retries.clear();
      if (pending() > 0) {
        let timeout: NodeJS.Timeout | undefined;
        await Promise.race([this.idle(), new Promise<void>((resolve) => (timeout = setTimeout(resolve, timeoutMs).unref()))]);
        clearTimeout(timeout);
      }
      stopped = true;
      if (waiting.length > 0) {
        // Past the drain timeout (or the database never came back): what is left is dropped, and said so.
        logger.error("mail jobs abandoned at stop", { waiting: waiting.length });
        waiting.length = 0;
      }
      settle();
    },
    get size() {
      return pending();
    },
  };
}
