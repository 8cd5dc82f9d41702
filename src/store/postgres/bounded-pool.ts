import pg from "pg";
import { UnavailableError } from "../../errors.js";

/**
 * A `pg.Pool` with a bound on its wait queue and counters for `store.metrics()`. pg-pool sends every query and
 * every transaction through `connect()`, so the bound holds for both.
 */
export class BoundedPool extends pg.Pool {
  /** Turned away because the wait queue was full. */
  refused = 0;
  /** Failed connects and dropped idle connections. */
  errors = 0;

  constructor(
    config: pg.PoolConfig,
    readonly maxWaiting: number,
  ) {
    super(config);
    this.on("error", () => this.errors++);
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void): void;
  override connect(callback?: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void): Promise<pg.PoolClient> | void {
    if (this.waitingCount >= this.maxWaiting && this.idleCount === 0) {
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
