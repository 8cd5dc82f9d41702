import { ValidationError } from "../errors.js";
import type { MailMessage, Mailer } from "./mailer.js";

export interface ConsoleMailerOptions {
  /** Where each printed message goes. Default: `process.stdout`. */
  write?: (text: string) => void;
  /** Environment read for `NODE_ENV` at construction. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/**
 * A development mailer that prints each message (recipient, subject, text body) instead of delivering it.
 *
 * The printed bodies hold live password-reset and verification links, which would land in production logs, so it
 * refuses to be constructed when `NODE_ENV` is `"production"`: use `smtpMailer` there.
 * @throws ValidationError `invalid_config` when `NODE_ENV` is `"production"` or `write` is not a function.
 * @example
 * const auth = createAuthsome({ mailer: consoleMailer(), development: true, … });
 */
export function consoleMailer(options: ConsoleMailerOptions = {}): Mailer {
  const { write = (text: string) => void process.stdout.write(text), env = process.env } = options;
  if (env.NODE_ENV === "production") {
    throw new ValidationError(
      "invalid_config",
      "consoleMailer prints reset and verification links and is refused when NODE_ENV is production; use smtpMailer",
      { details: { field: "mailer" } },
    );
  }
  if (typeof write !== "function") {
    throw new ValidationError("invalid_config", "consoleMailer.write must be a function", {
      details: { field: "consoleMailer.write" },
    });
  }

  return {
    async send(message: MailMessage): Promise<void> {
      write(formatMail(message));
    },
  };
}

function formatMail(message: MailMessage): string {
  const rule = "-".repeat(60);
  return `${rule}\nTo: ${message.to}\nSubject: ${message.subject}\n\n${message.text}\n${rule}\n`;
}
