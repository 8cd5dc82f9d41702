import pg from "pg";
import { UnavailableError } from "../../errors.js";

/**
 * A `pg.Pool` with a bound on its wait queue and counters for `store.metrics()`. pg-pool sends every query and
 * every transaction through `connect()`, so the bound holds for both.
 */
export class BoundedPool extends pg.Pool {
  /** Turned away because the wait queue was full. */
  refused = 0;
  /** Failed connects, and connections the server or the network dropped. */
  errors = 0;

  constructor(
    config: pg.PoolConfig,
    readonly maxWaiting: number,
  ) {
    super(config);
    // A connection checked out between statements (inside a transaction) has no query to fail when the server ends it
    // (pg_terminate_backend, a failover): pg emits "error" on the client, and pg-pool listens only while it is idle.
    // Unheard, that event would crash the process; the next statement on it fails and is mapped as usual.
    this.on("connect", (client) => client.on("error", () => this.errors++));
    this.on("acquire", (client) => this.checkedOut.add(client));
    this.on("release", (_err, client) => this.checkedOut.delete(client));
  }

  private readonly checkedOut = new Set<pg.PoolClient>();

  /**
   * Ends the pool now: idle connections close, and so do those still checked out (a query stuck past a shutdown's
   * drain), whose statements then fail — `end()` alone would wait for them without bound.
   */
  endNow(): Promise<void> {
    const ended = this.end();
    for (const client of this.checkedOut) void (client as unknown as pg.Client).end().catch(() => {});
    return ended;
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void): void;
  override connect(callback?: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void): Promise<pg.PoolClient> | void {
    // Only a full pool queues a caller (otherwise it opens a connection or hands out an idle one).
    if (this.waitingCount >= this.maxWaiting && this.idleCount === 0 && this.totalCount >= (this.options.max ?? 10)) {
      this.refused++;
      const busy = new UnavailableError("unavailable", "The database is busy; try again");
      if (!callback) return Promise.reject(busy);
      return void process.nextTick(callback, busy, undefined, () => {});
    }
    const counted = (err: Error | undefined) => {
      if (err) this.errors++;
    };
    if (!callback) return super.connect().catch((err: Error) => (counted(err), Promise.reject(err)));
    return super.connect((err, client, done) => (counted(err), callback(err, client, done)));
  }
}
