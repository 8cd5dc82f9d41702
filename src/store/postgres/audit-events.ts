import { eq } from "drizzle-orm";
import type { AnyPgDatabase } from "../../migrate/runner.js";
import { auditEvents } from "../../schema/audit-events.js";
import type { AuditEvent, AuditEventsStore, NewAuditEvent, Page, PageRequest } from "../contract.js";
import { allOf, keyset, toPage } from "./pagination.js";

export class PgAuditEventsStore implements AuditEventsStore {
  constructor(private readonly db: AnyPgDatabase) {}

  async append(event: NewAuditEvent): Promise<AuditEvent> {
    const [row] = await this.db.insert(auditEvents).values(event).returning();
    return row as AuditEvent;
  }

  async list(query: { appId: string; userId?: string; type?: string } & PageRequest): Promise<Page<AuditEvent>> {
    const page = keyset(auditEvents.id, query);
    const rows = await this.db
      .select()
      .from(auditEvents)
      .where(
        allOf(
          eq(auditEvents.appId, query.appId),
          query.userId === undefined ? undefined : eq(auditEvents.userId, query.userId),
          query.type === undefined ? undefined : eq(auditEvents.type, query.type),
          page.after,
        ),
      )
      .orderBy(page.orderBy)
      .limit(page.limit + 1);
    return toPage(rows, page.limit);
  }
}
