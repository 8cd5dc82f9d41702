import type { Stamped } from "./stamped.js";
import type { notifications } from "../../schema/notifications.js";
import type { Page, PageRequest } from "./pages.js";
import type { TenantScope } from "./tenant.js";

export type Notification = typeof notifications.$inferSelect;
export type NewNotification = Omit<typeof notifications.$inferInsert, "createdAt"> & Stamped;

/** Outbox metadata (never a body: bodies carry tokens). */
export interface NotificationsStore {
  create(input: NewNotification): Promise<Notification>;
  /** @throws NotFoundError (also for another tenant's) */
  markSent(scope: TenantScope, id: string, now: Date): Promise<Notification>;
  listByUser(userId: string, page?: PageRequest): Promise<Page<Notification>>;
  /** Blanks the recipient and subject of every row of the user (account deletion keeps no address); returns how many. */
  redactForUser(userId: string): Promise<number>;
}
