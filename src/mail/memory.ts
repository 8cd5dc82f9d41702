import { ValidationError } from "../errors.js";
import type { MailMessage, Mailer } from "./mailer.js";

/** A message a `memoryMailer` received, stamped with the time it was sent. */
export type SentMail = Readonly<MailMessage & { sentAt: Date }>;

export interface MemoryMailerOptions {
  /** Clock for `sentAt`. Default `() => new Date()`. */
  now?: () => Date;
}

/** A mailer that keeps what it is sent instead of delivering it. */
export interface MemoryMailer extends Mailer {
  /** Every message sent since construction or the last `clear()`, oldest first (a snapshot). */
  readonly messages: readonly SentMail[];
  /** The most recent message to `address` (compared case-insensitively), or `undefined`. */
  lastTo(address: string): SentMail | undefined;
  /** Forgets every message. */
  clear(): void;
}

/**
 * A mailer that delivers nothing and keeps every message in memory: for tests, and for the example server's
 * development mailbox. Messages hold live reset and verification links, so never expose it in production.
 * @throws ValidationError `invalid_config` when `now` is not a function.
 * @example
 * const mailer = memoryMailer();
 * const auth = createAuthsome({ mailer, … });
 * // … POST /forgot-password …
 * const link = mailer.lastTo("ada@example.com")?.text.match(/https?:\S+/)?.[0];
 */
export function memoryMailer(options: MemoryMailerOptions = {}): MemoryMailer {
  const { now = () => new Date() } = options;
  if (typeof now !== "function") {
    throw new ValidationError("invalid_config", "memoryMailer.now must be a function returning a Date", {
      details: { field: "memoryMailer.now" },
    });
  }
  let sent: SentMail[] = [];

  return {
    get messages(): readonly SentMail[] {
      return [...sent];
    },
    // Copied and frozen so a caller that reuses its message object cannot rewrite what was "sent".
    async send(message: MailMessage): Promise<void> {
      const { to, subject, text, html } = message;
      const copy = html === undefined ? { to, subject, text } : { to, subject, text, html };
      sent.push(Object.freeze({ ...copy, sentAt: new Date(now().getTime()) }));
    },
    lastTo(address: string): SentMail | undefined {
      const wanted = address.trim().toLowerCase();
      return sent.findLast((mail) => mail.to.trim().toLowerCase() === wanted);
    },
    clear(): void {
      sent = [];
    },
  };
}
