// Counts the statements a driver sends, excluding transaction control (BEGIN/COMMIT/ROLLBACK), which the round-trip
// bars of the spec do not count.
import type { PGlite, Transaction } from "@electric-sql/pglite";
import type pg from "pg";

export interface QueryCounter {
  readonly count: number;
  readonly statements: readonly string[];
  reset(): void;
}

const transactionControl = /^\s*(BEGIN|COMMIT|ROLLBACK|START TRANSACTION)\b/i;

function createCounter() {
  const statements: string[] = [];
  return {
    record(text: unknown) {
      const sqlText = typeof text === "string" ? text : (text as { text?: string } | undefined)?.text ?? "";
      if (!transactionControl.test(sqlText)) statements.push(sqlText);
    },
    counter: {
      get count() {
        return statements.length;
      },
      get statements() {
        return statements;
      },
      reset() {
        statements.length = 0;
      },
    } satisfies QueryCounter,
  };
}

/**
 * Counts every statement sent through the pool's connections. `pool.query` checks a client out and calls its
 * `query`, so wrapping each client as it connects counts both paths once. Call it before the pool connects.
 */
export function countPool(pool: pg.Pool): QueryCounter {
  const { record, counter } = createCounter();
  pool.on("connect", (client) => {
    const clientQuery = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (...args: unknown[]) => {
      record(args[0]);
      return clientQuery(...args);
    };
  });
  return counter;
}

/** Counts statements sent through a PGlite instance, inside and outside its transactions. */
export function countPglite(client: PGlite): QueryCounter {
  const { record, counter } = createCounter();
  const wrap = <T extends Pick<PGlite, "query" | "exec">>(target: T) => {
    const query = target.query.bind(target);
    const exec = target.exec.bind(target);
    target.query = ((text: string, ...rest: unknown[]) => {
      record(text);
      return (query as (...args: unknown[]) => unknown)(text, ...rest);
    }) as T["query"];
    target.exec = ((text: string, ...rest: unknown[]) => {
      record(text);
      return (exec as (...args: unknown[]) => unknown)(text, ...rest);
    }) as T["exec"];
  };
  wrap(client);
  const transaction = client.transaction.bind(client);
  client.transaction = (<T>(fn: (tx: Transaction) => Promise<T>) =>
    transaction((tx) => {
      wrap(tx);
      return fn(tx);
    })) as PGlite["transaction"];
  return counter;
}

/**
 * Counts the statements sent through a store's connection: pass the driver client the Drizzle database was built
 * on (a `pg.Pool`, before it connects, or a `PGlite` instance) — `countQueries(store.db.$client)`.
 */
export function countQueries(client: pg.Pool | PGlite): QueryCounter {
  return "exec" in client && "transaction" in client ? countPglite(client as PGlite) : countPool(client as pg.Pool);
}
