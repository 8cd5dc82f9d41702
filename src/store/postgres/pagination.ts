import { and, desc, lt, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { ValidationError } from "../../errors.js";
import type { Page, PageRequest } from "../contract/index.js";

export const defaultPageLimit = 20;
export const maxPageLimit = 100;

const typeIdPattern = /^[a-z]{1,63}_[0-7][0-9a-hjkmnp-tv-z]{25}$/;

export interface Keyset {
  limit: number;
  /** `id < cursor`, or undefined on the first page. */
  after: SQL | undefined;
  orderBy: SQL;
}

/**
 * Keyset pagination on a time-ordered TypeID column, newest first: `WHERE id < cursor ORDER BY id DESC
 * LIMIT limit + 1`. The extra row only tells whether another page follows; it is never returned, and the cursor
 * is the last id returned, so walking the pages yields every row exactly once at the cost of one index range
 * scan per page, however deep.
 */
export function keyset(id: PgColumn, page: PageRequest = {}): Keyset {
  const limit = page.limit ?? defaultPageLimit;
  // Store-level errors, not the HTTP contract's `invalid_request`: a route validates its own query and names the field.
  if (!Number.isInteger(limit) || limit < 1 || limit > maxPageLimit) {
    throw new ValidationError("invalid_page", `A page limit must be an integer from 1 to ${maxPageLimit}`);
  }
  const cursor = page.cursor ?? undefined;
  if (cursor !== undefined && !typeIdPattern.test(cursor)) {
    throw new ValidationError("invalid_cursor", "The cursor is not one a previous page returned");
  }
  return { limit, after: cursor === undefined ? undefined : lt(id, cursor), orderBy: desc(id) };
}

/** Cuts the probe row off and derives the next cursor. */
export function toPage<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? (items[items.length - 1]?.id ?? null) : null };
}

/** `and(...)` that ignores undefined parts. */
export function allOf(...conditions: Array<SQL | undefined>): SQL | undefined {
  return and(...conditions.filter((c): c is SQL => c !== undefined));
}

/** Escapes LIKE metacharacters so a user's text matches literally (with `ESCAPE '\'`, PostgreSQL's default). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (ch) => `\\${ch}`);
}
