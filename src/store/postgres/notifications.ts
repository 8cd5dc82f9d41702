import { and, eq } from "drizzle-orm";
import { NotFoundError } from "../../errors.js";
import type { AnyPgDatabase } from "../../migrate/runner.js";
import { notifications } from "../../schema/notifications.js";
import type { NewNotification, Notification, NotificationsStore, Page, PageRequest, TenantScope } from "../contract/index.js";
import { allOf, keyset, toPage } from "./pagination.js";
import { inScope } from "./scope.js";

/** Outbox metadata only: the table has no body column, so message bodies (with their tokens) are never stored. */
export class PgNotificationsStore implements NotificationsStore {
  constructor(private readonly db: AnyPgDatabase) {}

  async create(input: NewNotification): Promise<Notification> {
    const [row] = await this.db.insert(notifications).values(input).returning();
    return row as Notification;
  }

  async markSent(scope: TenantScope, id: string, now: Date): Promise<Notification> {
    const [row] = await this.db
      .update(notifications)
      .set({ sentAt: now })
      .where(and(eq(notifications.id, id), inScope(notifications, scope)))
      .returning();
    if (!row) throw new NotFoundError("not_found", "Notification not found");
    return row;
  }

  async redactForUser(userId: string): Promise<number> {
    const rows = await this.db
      .update(notifications)
      .set({ recipient: "", subject: "" })
      .where(eq(notifications.userId, userId))
      .returning({ id: notifications.id });
    return rows.length;
  }

  async listByUser(userId: string, page?: PageRequest): Promise<Page<Notification>> {
    const keys = keyset(notifications.id, page);
    const rows = await this.db
      .select()
      .from(notifications)
      .where(allOf(eq(notifications.userId, userId), keys.after))
      .orderBy(keys.orderBy)
      .limit(keys.limit + 1);
    return toPage(rows, keys.limit);
  }
}
