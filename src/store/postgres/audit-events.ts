import { eq } from "drizzle-orm";
import type { AnyPgDatabase } from "../../migrate/runner.js";
import { auditEvents } from "../../schema/audit-events.js";
import type { AuditEvent, AuditEventFilter, AuditEventsStore, NewAuditEvent, Page, PageRequest } from "../contract/index.js";
import { newEventId, recordedEvent, recordEvents } from "./events.js";
import { allOf, keyset, toPage } from "./pagination.js";
import { runStatement, type Statement, type StatementTarget } from "./prepared.js";
import { mapRow } from "./rows.js";

/** An event on its own, through the same writer as the events recorded with a session change. */
const appendStatement: Statement = {
  name: "authsome_event_append",
  text: `WITH ${recordEvents({
    id: "$1",
    appId: "$2",
    envId: "$3",
    userId: "$4",
    type: "$5",
    ipAddress: "$6",
    userAgent: "$7",
    metadata: "$8::jsonb",
    createdAt: "$9",
  })}
    SELECT * FROM ${recordedEvent}`,
};

export class PgAuditEventsStore implements AuditEventsStore {
  private readonly db: AnyPgDatabase;

  constructor(private readonly statements: StatementTarget) {
    this.db = statements.db;
  }

  async append(event: NewAuditEvent): Promise<AuditEvent> {
    const [row] = await runStatement(this.statements, appendStatement, [
      event.id ?? newEventId(),
      event.appId ?? null,
      event.envId ?? null,
      event.userId ?? null,
      event.type,
      event.ipAddress ?? "",
      event.userAgent ?? "",
      JSON.stringify(event.metadata ?? {}),
      event.createdAt,
    ]);
    return mapRow(auditEvents, row as Record<string, unknown>);
  }

  async list(appId: string, filter: AuditEventFilter = {}, request?: PageRequest): Promise<Page<AuditEvent>> {
    const page = keyset(auditEvents.id, request);
    const rows = await this.db
      .select()
      .from(auditEvents)
      .where(
        allOf(
          eq(auditEvents.appId, appId),
          filter.userId === undefined ? undefined : eq(auditEvents.userId, filter.userId),
          filter.type === undefined ? undefined : eq(auditEvents.type, filter.type),
          page.after,
        ),
      )
      .orderBy(page.orderBy)
      .limit(page.limit + 1);
    return toPage(rows, page.limit);
  }
}
