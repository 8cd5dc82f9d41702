import type { auditEvents } from "../../schema/audit-events.js";
import type { Page, PageRequest } from "./pages.js";

export type AuditEvent = typeof auditEvents.$inferSelect;
/** `createdAt` is the caller's clock, always given. */
export type NewAuditEvent = Omit<typeof auditEvents.$inferInsert, "createdAt"> & { createdAt: Date };

/** What `auditEvents.list` narrows to, beyond the app. */
export interface AuditEventFilter {
  userId?: string;
  type?: string;
}

export interface AuditEventsStore {
  append(event: NewAuditEvent): Promise<AuditEvent>;
  /** One app's events, newest first (events recorded before an app was resolved have no app and are not listed). */
  list(appId: string, filter?: AuditEventFilter, page?: PageRequest): Promise<Page<AuditEvent>>;
}
