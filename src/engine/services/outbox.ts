import type { MailMessage, Mailer } from "../../mail/mailer.js";
import type { MailQueue } from "../../mail/queue.js";
import type { StoreRepositories } from "../../store/contract.js";
import type { Logger } from "../hooks.js";
import type { Tenant } from "../tenants.js";
import type { Protection } from "./protection.js";

export interface OutboxDeps {
  queue: MailQueue;
  mailer: Mailer;
  store: StoreRepositories;
  protection: Protection;
  logger: Logger;
  now: () => Date;
  tenant: () => Tenant;
  withTenant<T>(tenant: Tenant, fn: () => T): T;
}

/** What a mail is about, for the outbox row (`authsome_notifications`: metadata only, never the body). */
export interface MailRecord {
  userId: string | null;
  /** e.g. `password_reset`, `verify_email`, `account_locked`. */
  type: string;
}

/**
 * Mail, after the response: `later` runs the work that decides and prepares a mail (finding the account, creating
 * its token) in the background as the current app, and `deliver` — called from such a job — applies the
 * per-recipient limit and queues the send, retried on its own so a flaky SMTP server never mints a second token.
 */
export function createOutbox(deps: OutboxDeps) {
  const { queue, mailer, store, protection, logger, now } = deps;
  return {
    /** Queues `job` to run after the response, as the app the current request acts for. */
    later(label: string, job: () => Promise<void>): void {
      const tenant = deps.tenant();
      queue.push(label, () => deps.withTenant(tenant, job));
    },

    /**
     * Queues `message` unless its recipient already had `mailPerRecipient` mails this window; returns whether it was
     * queued. Call it from a `later` job (it counts in the database).
     */
    async deliver(message: MailMessage, record: MailRecord): Promise<boolean> {
      const { app, env } = deps.tenant();
      if (!(await protection.allowMailTo({ appId: app.id, envId: env.id }, message.to))) {
        logger.info("mail not sent: recipient limit reached", { type: record.type });
        return false;
      }
      return queue.push(record.type, async () => {
        await mailer.send(message); // throws → retried by the queue
        try {
          await store.notifications.create({ appId: app.id, envId: env.id, userId: record.userId, type: record.type, channel: "email", recipient: message.to, subject: message.subject, sentAt: now() });
        } catch (error) {
          // The mail went out: retrying would send it twice for the sake of a metadata row.
          logger.error("outbox row not written", { type: record.type, error });
        }
      });
    },
  };
}

export type Outbox = ReturnType<typeof createOutbox>;
