import { auditEvents } from "../../schema/audit-events.js";

/**
 * What each column of a recorded event is, as SQL text: a parameter (`$16`, `$20::jsonb`) or a column of the
 * statement's source rows (`app_id`). Always text written in this package, never a value — values are parameters.
 */
export interface EventColumns {
  id: string;
  appId: string;
  envId: string;
  userId: string;
  type: string;
  ipAddress: string;
  userAgent: string;
  metadata: string;
  createdAt: string;
}

/** An audit event a plugin's statement writes beside its change (through `recordEvents`), its values bound as parameters. */
export interface FusedEvent {
  appId: string;
  envId: string;
  type: string;
  ipAddress: string;
  userAgent: string;
  metadata: Record<string, unknown>;
}

/** The CTE `recordEvents` defines; `SELECT * FROM recorded_event` reads the rows it wrote. */
export const recordedEvent = "recorded_event";

/**
 * The one place an event is written: a data-modifying CTE (`recorded_event AS (INSERT … RETURNING *)`) for the WITH
 * clause of the statement that makes the change — a session created, a session revoked, or the event alone — so that
 * a change and its event commit as one statement and one round trip. `source` (`created WHERE $22`) is what the rows
 * are selected from, if anything. A webhook outbox row for the same event belongs here, as a second CTE beside it.
 */
export function recordEvents(columns: EventColumns, source?: string): string {
  const c = columns;
  return `${recordedEvent} AS (
      INSERT INTO authsome_audit_events (id, app_id, env_id, user_id, type, ip_address, user_agent, metadata, created_at)
      SELECT ${c.id}, ${c.appId}, ${c.envId}, ${c.userId}, ${c.type}, ${c.ipAddress}, ${c.userAgent}, ${c.metadata}, ${c.createdAt}${source ? `
      FROM ${source}` : ""}
      RETURNING *
    )`;
}

/** An id for an event row written by raw SQL (the schema's default lives in JavaScript, which raw SQL bypasses). */
export function newEventId(): string {
  return auditEvents.id.defaultFn?.() as string;
}
