// Reading PostgreSQL driver errors. Drizzle wraps the driver's error (SQLSTATE on `cause`) and puts the SQL and its
// bound parameters in its own message, so callers look for the SQLSTATE here and never copy a driver message.

export interface PgErrorLike {
  code: string;
  message: string;
  constraint?: string;
  detail?: string;
}

/** The first error in `err`'s `cause` chain (itself included, at most 8 deep) that `matches`. */
export function findInCauses<T>(err: unknown, matches: (e: object) => e is T & object): T | undefined {
  for (let e = err, depth = 0; e && typeof e === "object" && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if (matches(e)) return e;
  }
  return undefined;
}

/** The first error in the `cause` chain that carries a five-character SQLSTATE. */
export function findPgError(err: unknown): PgErrorLike | undefined {
  return findInCauses(err, (e): e is PgErrorLike => {
    const code = (e as { code?: unknown }).code;
    return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code);
  });
}

const connectionErrnos = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "ETIMEDOUT", "EHOSTUNREACH", "EPIPE", "EAI_AGAIN"]);

/** The socket error code (ECONNREFUSED, ENOTFOUND, …) anywhere in the `cause` chain, if any. */
export function findErrno(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && typeof e === "object" && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && connectionErrnos.has(code)) return code;
    const inner = (e as { errors?: unknown }).errors; // AggregateError from a dual-stack connect
    if (Array.isArray(inner)) for (const item of inner) {
      const found = findErrno(item);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * True when the database could not be reached or dropped the connection: socket errors, SQLSTATE class 08
 * (connection exception), 57P01–57P03 (shutdown, cannot connect now), and node-postgres' own timeout and
 * terminated-connection errors.
 */
export function isConnectionFailure(err: unknown): boolean {
  if (findErrno(err)) return true;
  const lost = findInCauses(err, (e): e is object => {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === "string" && (code.startsWith("08") || /^57P0[123]$/.test(code))) return true;
    return (
      typeof message === "string" &&
      /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(message)
    );
  });
  return lost !== undefined;
}
