// Mail for the example server: printed to the console and, outside production, kept in a mailbox at GET /dev/mail.
import type { ServerResponse } from "node:http";
import type { Mailer, MailMessage, MemoryMailer } from "../src/index.js";

/** A mailer that hands every message to each of `mailers`, and closes them all. */
export function fanOutMailer(...mailers: Mailer[]): Mailer {
  return {
    async send(message: MailMessage) {
      await Promise.all(mailers.map((mailer) => mailer.send(message)));
    },
    async close() {
      await Promise.all(mailers.map((mailer) => mailer.close?.()));
    },
  };
}

/**
 * Answers GET /dev/mail: every message sent, oldest first, as `[{to, subject, text, html, sent_at}]`. The bodies
 * hold live reset and verification links — which is the point in development, and why production has no mailbox.
 */
export function sendMailbox(mailbox: MemoryMailer, res: ServerResponse): void {
  const messages = mailbox.messages.map((mail) => ({
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html ?? null,
    sent_at: mail.sentAt.toISOString(),
  }));
  res.writeHead(200, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify(messages));
}
