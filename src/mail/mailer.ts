/**
 * The mail contract the engine sends verification and password-reset mail through, after its transaction commits.
 * Implementations: `smtpMailer` (production), `consoleMailer` (development), `memoryMailer` (tests, dev mailbox).
 * @module
 */

/**
 * One outgoing message to one recipient. `text` is required so every message reads in a plain-text client; `html`
 * is sent as its alternative. Bodies carry reset and verification links, so they are secrets: never log them.
 */
export interface MailMessage {
  /** The recipient's address (one address). */
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/** Where Authsome hands mail. `send` resolves once the message is accepted for delivery. */
export interface Mailer {
  /** @throws AuthsomeError `mail_failed` when the message could not be handed over. */
  send(message: MailMessage): Promise<void>;
  /** Releases connections the mailer holds; called when the engine stops. */
  close?(): Promise<void>;
}
