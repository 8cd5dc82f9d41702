import type { ConnectionOptions } from "node:tls";
import nodemailer, { type SMTPPoolOptions } from "nodemailer";
import { AuthsomeError, ValidationError } from "../errors.js";
import type { MailMessage, Mailer } from "./mailer.js";

interface SmtpCommonOptions {
  /** Sender, `"noreply@example.com"` or `"Acme <noreply@example.com>"` (a non-ASCII name is encoded for you). */
  from: string;
  /** How long to wait for the connection and the server's greeting, in milliseconds. Default 10 000. */
  connectionTimeoutMs?: number;
}

/** An SMTP server given by its parts. */
export interface SmtpServerOptions extends SmtpCommonOptions {
  host: string;
  /** 1–65535; usually 587 (submission, STARTTLS) or 465 (implicit TLS). */
  port: number;
  /** TLS from the first byte (port 465). Default `port === 465`; otherwise STARTTLS is used when offered. */
  secure?: boolean;
  auth?: { user: string; pass: string };
  /**
   * Fail unless STARTTLS succeeds. Default `true` when `auth` is set on a non-`secure` connection, so the password
   * and the links in the bodies never cross the network in clear; set `false` only for a relay you trust (localhost).
   */
  requireTLS?: boolean;
  /** Node TLS options (`ca`, `servername`, …), passed to nodemailer as they are. */
  tls?: ConnectionOptions;
  url?: never;
}

/** An SMTP server given by a connection URL. */
export interface SmtpUrlOptions extends SmtpCommonOptions {
  /**
   * `smtp://user:pass@host:587` (STARTTLS) or `smtps://user:pass@host:465`, credentials percent-encoded; nodemailer
   * reads query options such as `?requireTLS=false`. With credentials over `smtp:`, STARTTLS is required by default.
   */
  url: string;
  host?: never;
  port?: never;
}

/** Options of `smtpMailer`: the server by its parts, or by a connection URL. */
export type SmtpMailerOptions = SmtpServerOptions | SmtpUrlOptions;

/** A `Mailer` whose `close()` always exists: it ends the pooled SMTP connections. */
export interface SmtpMailer extends Mailer {
  close(): Promise<void>;
}

interface Sender {
  name: string;
  address: string;
}

const DEFAULT_CONNECTION_TIMEOUT_MS = 10_000;
// Deliberately loose: the server has the last word on addresses; this catches typos and header injection.
const BARE_ADDRESS = /^[^\s@<>()[\],;:"\\]+@[^\s@<>()[\],;:"\\]+$/;
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * A mailer that delivers through an SMTP server with nodemailer, over a pool of connections that `close()` ends.
 *
 * Every message goes to exactly one recipient (nodemailer's `maxRecipients: 1`), so a `to` that smuggles in a second
 * address fails instead of copying a reset link elsewhere. Attachments by file path or URL are disabled.
 * @throws ValidationError `invalid_config` at construction when an option is unusable; the message names the field
 * and never repeats the URL or the password.
 * @example
 * const mailer = smtpMailer({
 *   host: "smtp.example.com", port: 587,
 *   auth: { user: "apikey", pass: process.env.SMTP_PASSWORD! },
 *   from: "Acme <noreply@example.com>",
 * });
 * await mailer.send({ to: "ada@example.com", subject: "Reset your password", text: "…" });
 * await mailer.close();
 */
export function smtpMailer(options: SmtpMailerOptions): SmtpMailer {
  if (typeof options !== "object" || options === null) throw invalid("options", "must be an object");
  const sender = parseSender(options.from);
  const transport = nodemailer.createTransport({
    ...transportOptions(options),
    pool: true,
    maxRecipients: 1,
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  } satisfies SMTPPoolOptions);
  // A transport-level failure also fails the send in progress, which reports it; without a listener the same
  // 'error' event would crash the host process.
  transport.on("error", function ignoreTransportError() {});

  return {
    async send(message: MailMessage): Promise<void> {
      let rejected: string[];
      try {
        const info = await transport.sendMail({
          from: sender.name === "" ? sender.address : sender,
          to: message.to,
          subject: message.subject,
          text: message.text,
          ...(message.html === undefined ? {} : { html: message.html }),
        });
        rejected = info.rejected;
      } catch (err) {
        throw mailFailed(err);
      }
      if (rejected.length > 0) throw mailFailed(new Error("The server rejected the recipient"));
    },
    async close(): Promise<void> {
      transport.close();
    },
  };
}

// The original (SMTP reply, command, code) is kept only as `cause`: our message stays fixed so that neither the
// credentials nor a body with its reset link can reach a response or a log line through it.
function mailFailed(cause: unknown): AuthsomeError {
  return new AuthsomeError("mail_failed", "Sending mail failed", { cause });
}

function invalid(field: string, message: string): ValidationError {
  return new ValidationError("invalid_config", `smtpMailer.${field} ${message}`, { details: { field: `smtpMailer.${field}` } });
}

function transportOptions(options: SmtpMailerOptions): SMTPPoolOptions {
  const timeoutMs = options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) throw invalid("connectionTimeoutMs", "must be a positive whole number of milliseconds");
  const timeouts = { connectionTimeout: timeoutMs, greetingTimeout: timeoutMs };

  if (options.url !== undefined) {
    if (options.host !== undefined || options.port !== undefined) throw invalid("url", "cannot be combined with host and port");
    return { ...timeouts, ...urlOptions(options.url) };
  }
  return { ...timeouts, ...serverOptions(options) };
}

function urlOptions(value: unknown): SMTPPoolOptions {
  let url: URL;
  try {
    if (typeof value !== "string") throw new TypeError("url");
    url = new URL(value);
  } catch {
    throw invalid("url", 'must be a URL like "smtp://user:pass@smtp.example.com:587"');
  }
  if (url.protocol !== "smtp:" && url.protocol !== "smtps:") throw invalid("url", "must use the smtp: or smtps: scheme");
  if (url.hostname === "") throw invalid("url", "must name a host");
  // nodemailer lets the URL's own query (`?requireTLS=false`) override this default.
  const hasCredentials = url.username !== "" || url.password !== "";
  return { url: value as string, requireTLS: url.protocol === "smtp:" && hasCredentials };
}

function serverOptions(options: SmtpServerOptions): SMTPPoolOptions {
  const { host, port, secure = port === 465, auth, tls } = options;
  if (typeof host !== "string" || host.trim() === "" || /\s/.test(host)) throw invalid("host", "must be a host name or IP address");
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid("port", "must be a whole number from 1 to 65535");
  if (typeof secure !== "boolean") throw invalid("secure", "must be a boolean");
  if (auth !== undefined) {
    if (typeof auth !== "object" || auth === null) throw invalid("auth", "must be { user, pass }");
    if (typeof auth.user !== "string" || auth.user === "") throw invalid("auth.user", "must be a non-empty string");
    if (typeof auth.pass !== "string" || auth.pass === "") throw invalid("auth.pass", "must be a non-empty string");
  }
  const requireTLS = options.requireTLS ?? (auth !== undefined && !secure);
  if (typeof requireTLS !== "boolean") throw invalid("requireTLS", "must be a boolean");
  if (tls !== undefined && (typeof tls !== "object" || tls === null)) throw invalid("tls", "must be an object of TLS options");

  return {
    host,
    port,
    secure,
    requireTLS,
    ...(auth === undefined ? {} : { auth: { user: auth.user, pass: auth.pass } }),
    ...(tls === undefined ? {} : { tls: { ...tls } }),
  };
}

// Parsed once into { name, address } so nodemailer quotes and encodes the display name itself: an unquoted comma in
// "Acme, Inc <noreply@…>" would otherwise read as two addresses.
function parseSender(from: unknown): Sender {
  const fail = () => invalid("from", 'must be an address like "noreply@example.com" or "Name <noreply@example.com>"');
  if (typeof from !== "string") throw fail();
  const trimmed = from.trim();
  if (BARE_ADDRESS.test(trimmed)) return { name: "", address: trimmed };

  const named = /^([^<>]*?)\s*<([^<>]*)>$/.exec(trimmed);
  if (!named) throw fail();
  let name = (named[1] ?? "").trim();
  const address = (named[2] ?? "").trim();
  if (!BARE_ADDRESS.test(address) || CONTROL_CHARACTERS.test(name)) throw fail();
  if (name.length >= 2 && name.startsWith('"') && name.endsWith('"')) name = name.slice(1, -1).replace(/\\(.)/g, "$1");
  return { name, address };
}
