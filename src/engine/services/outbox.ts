import type { MailMessage, Mailer } from "../../mail/mailer.js";
import type { MailQueue } from "../../mail/queue.js";
import type { StoreRepositories } from "../../store/contract/index.js";
import type { Logger } from "../logger.js";
import { scopeOf, type Tenant } from "../tenants.js";
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
 * Mail, after the response: `later` runs the work that decides and prepares a mail (finding the account, checking
 * the per-recipient limit, creating its token) in the background as the current app, and `send` — called from such
 * a job — queues the delivery, retried on its own.
 */
export function createOutbox(deps: OutboxDeps) {
  const { queue, mailer, store, protection, logger, now } = deps;

  function later(label: string, job: () => Promise<void>): void {
    const tenant = deps.tenant();
    queue.push(label, () => deps.withTenant(tenant, job));
  }

  async function allowRecipient(address: string): Promise<boolean> {
    if (await protection.allowMailTo(scopeOf(deps.tenant()), address)) return true;
    logger.info("mail not sent: recipient limit reached", {});
    return false;
  }

  function send(message: MailMessage, record: MailRecord): void {
    const tenant = deps.tenant();
    const { app, env } = tenant;
    queue.push(record.type, () =>
      deps.withTenant(tenant, async () => {
        await mailer.send(message); // throws → retried by the queue
        try {
          await store.notifications.create({ appId: app.id, envId: env.id, userId: record.userId, type: record.type, channel: "email", recipient: message.to, subject: message.subject, sentAt: now(), createdAt: now() });
        } catch (error) {
          // The mail went out: retrying would send it twice for the sake of a metadata row.
          logger.error("outbox row not written", { type: record.type, error });
        }
      }),
    );
  }

  return {
    /** Queues `job` to run after the response, as the app the current request acts for. */
    later,

    /**
     * Counts one mail to `address` against the per-recipient limit; false when it had its share this window. A job
     * asks first, before it creates or supersedes any token: past the limit nothing is sent and nothing changes.
     */
    allowRecipient,

    /**
     * Tells an account's owner something after the response (a new way in, a second factor turned off): a `later`
     * job that asks `allowRecipient`, then builds `message` and sends it, recorded under `type`. Nothing for a user
     * without an address.
     */
    notify(user: { id: string; email: string }, type: string, message: () => MailMessage | Promise<MailMessage>): void {
      if (!user.email) return;
      later(type, async () => {
        if (!(await allowRecipient(user.email))) return;
        send(await message(), { userId: user.id, type });
      });
    },

    /**
     * Queues the send of `message` as the current app (call it from a `later` job, after `allowRecipient`). The send
     * is retried on its own, so a flaky SMTP server never makes the job mint a second token.
     */
    send,
  };
}

export type Outbox = ReturnType<typeof createOutbox>;
