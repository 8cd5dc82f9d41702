import { createServer, type AddressInfo } from "node:net";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { afterEach, describe, expect, it } from "vitest";
import { isAuthsomeError } from "../../src/errors.js";
import { smtpMailer, type SmtpMailer, type SmtpMailerOptions } from "../../src/mail/smtp.js";

// --- a real SMTP server on 127.0.0.1 --------------------------------------------------------------------------------

interface ReceivedMail {
  mailFrom: string;
  rcptTo: string[];
  raw: string;
}

interface TestServer {
  port: number;
  received: ReceivedMail[];
  logins: Array<{ method: string; username?: string | null; password?: string | null }>;
  /** Resolves when the server sees the next connection close. */
  nextClose(): Promise<void>;
}

const servers: SMTPServer[] = [];
const mailers: SmtpMailer[] = [];

afterEach(async () => {
  // Mailers first: their QUIT lets each server close at once instead of waiting out its closeTimeout.
  await Promise.all(mailers.splice(0).map((mailer) => mailer.close()));
  await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
});

async function startServer(options: SMTPServerOptions = {}): Promise<TestServer> {
  const received: ReceivedMail[] = [];
  const logins: TestServer["logins"] = [];
  const closeWaiters: Array<() => void> = [];
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    closeTimeout: 1_000,
    disableReverseLookup: true,
    onAuth(auth, _session, callback) {
      logins.push({ method: auth.method, username: auth.username, password: auth.password });
      if (auth.username === "mailer" && auth.password === "s3cret-Passw0rd") callback(null, { user: auth.username });
      else callback(Object.assign(new Error("Invalid username or password"), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const { mailFrom, rcptTo } = session.envelope;
        received.push({
          mailFrom: mailFrom === false ? "" : mailFrom.address,
          rcptTo: rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString("latin1"),
        });
        callback();
      });
    },
    onClose() {
      closeWaiters.shift()?.();
    },
    ...options,
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.server.address() as AddressInfo;
  return { port, received, logins, nextClose: () => new Promise<void>((resolve) => closeWaiters.push(resolve)) };
}

function mailerFor(options: SmtpMailerOptions): SmtpMailer {
  const mailer = smtpMailer(options);
  mailers.push(mailer);
  return mailer;
}

/** A port nothing listens on: bound, read, then released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", () => resolve()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => probe.close((err) => (err ? reject(err) : resolve())));
  return port;
}

async function sendError(promise: Promise<unknown>): Promise<Error & { code?: string; cause?: unknown }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error("expected the send to fail");
}

// --- a small MIME reader (mailparser is not installed) ----------------------------------------------------------

interface MimeEntity {
  headers: Map<string, string>;
  /** Decoded body of a leaf part, line breaks as "\n". */
  body: string;
  parts: MimeEntity[];
}

function parseMime(raw: string): MimeEntity {
  const split = raw.indexOf("\r\n\r\n");
  const head = split === -1 ? raw : raw.slice(0, split);
  const rawBody = split === -1 ? "" : raw.slice(split + 4);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n(?=[ \t])/g, "").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), decodeEncodedWords(line.slice(colon + 1).trim()));
  }

  const contentType = headers.get("content-type") ?? "text/plain";
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (contentType.toLowerCase().startsWith("multipart/") && boundary) {
    const sections = rawBody.split(`--${boundary}`).slice(1);
    const parts = sections
      .filter((section) => !section.startsWith("--"))
      .map((section) => parseMime(section.replace(/^\r\n/, "").replace(/\r\n$/, "")));
    return { headers, body: "", parts };
  }
  return { headers, body: decodeBody(rawBody, headers.get("content-transfer-encoding") ?? "7bit"), parts: [] };
}

function decodeBody(body: string, encoding: string): string {
  let bytes: Buffer;
  if (encoding.toLowerCase() === "quoted-printable") bytes = qpBytes(body.replace(/=\r\n/g, ""));
  else if (encoding.toLowerCase() === "base64") bytes = Buffer.from(body.replace(/\s+/g, ""), "base64");
  else bytes = Buffer.from(body, "latin1");
  return bytes.toString("utf8").replace(/\r\n/g, "\n").replace(/\n$/, "");
}

function qpBytes(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "=" && /^[0-9A-F]{2}$/i.test(text.slice(i + 1, i + 3))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(text.charCodeAt(i));
  }
  return Buffer.from(out);
}

// RFC 2047: whitespace between adjacent encoded words is dropped, and a character may span two words, so the bytes
// of a run of words are joined before decoding.
function decodeEncodedWords(value: string): string {
  const joined = value.replace(/(\?=)\s+(?==\?)/g, "$1");
  return joined.replace(/(?:=\?utf-8\?[BQ]\?[^?]*\?=)+/gi, (run) => {
    const bytes = [...run.matchAll(/=\?utf-8\?([BQ])\?([^?]*)\?=/gi)].map(([, kind, text = ""]) =>
      kind?.toUpperCase() === "B" ? Buffer.from(text, "base64") : qpBytes(text.replace(/_/g, " ")),
    );
    return Buffer.concat(bytes).toString("utf8");
  });
}

// --- the tests ------------------------------------------------------------------------------------------------------

describe("smtpMailer", () => {
  it("delivers a plain-text message with the configured sender, the recipient and the subject", async () => {
    const server = await startServer();
    const mailer = mailerFor({ host: "127.0.0.1", port: server.port, from: "noreply@example.com" });

    await mailer.send({ to: "ada@example.com", subject: "Verify your email", text: "Your code is 123456." });

    expect(server.received).toHaveLength(1);
    const [mail] = server.received;
    expect(mail?.mailFrom).toBe("noreply@example.com");
    expect(mail?.rcptTo).toEqual(["ada@example.com"]);
    const message = parseMime(mail?.raw ?? "");
    expect(message.headers.get("from")).toBe("noreply@example.com");
    expect(message.headers.get("to")).toBe("ada@example.com");
    expect(message.headers.get("subject")).toBe("Verify your email");
    expect(message.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(message.body).toBe("Your code is 123456.");
  });

  it("sends the HTML body as an alternative after the text body", async () => {
    const server = await startServer();
    const mailer = mailerFor({ host: "127.0.0.1", port: server.port, from: "Acme <noreply@example.com>" });

    await mailer.send({
      to: "ada@example.com",
      subject: "Reset your password",
      text: "Open https://app.example/reset?token=r1",
      html: '<p><a href="https://app.example/reset?token=r1">Reset</a></p>',
    });

    const message = parseMime(server.received[0]?.raw ?? "");
    expect(message.headers.get("from")).toBe("Acme <noreply@example.com>");
    expect(message.headers.get("content-type")).toMatch(/^multipart\/alternative/);
    expect(message.parts.map((part) => part.headers.get("content-type")?.split(";")[0])).toEqual(["text/plain", "text/html"]);
    expect(message.parts[0]?.body).toBe("Open https://app.example/reset?token=r1");
    expect(message.parts[1]?.body).toBe('<p><a href="https://app.example/reset?token=r1">Reset</a></p>');
  });

  it("delivers a non-ASCII sender name, subject and body intact", async () => {
    const server = await startServer();
    const mailer = mailerFor({ host: "127.0.0.1", port: server.port, from: "Équipe Acme <noreply@example.com>" });
    const subject = "Réinitialisez votre mot de passe ✓ — lien valable une heure pour Zoë et Maël";
    const text = "Bonjour Zoë,\n\nCliquez ici : https://app.example/reset?token=abc\n.\nMerci ✓ — l'équipe";

    await mailer.send({ to: "zoe@example.com", subject, text, html: "<p>Bonjour Zoë ✓</p>" });

    const raw = server.received[0]?.raw ?? "";
    expect(raw).toMatch(/^[\x00-\x7f]*$/); // 7-bit on the wire: encoded words and quoted-printable did the work
    const message = parseMime(raw);
    expect(message.headers.get("from")).toBe("Équipe Acme <noreply@example.com>");
    expect(message.headers.get("subject")).toBe(subject);
    expect(message.parts[0]?.body).toBe(text);
    expect(message.parts[1]?.body).toBe("<p>Bonjour Zoë ✓</p>");
  });

  it("quotes a sender name that holds a comma so it stays one address", async () => {
    const server = await startServer();
    const mailer = mailerFor({ host: "127.0.0.1", port: server.port, from: "Acme, Inc <noreply@example.com>" });

    await mailer.send({ to: "ada@example.com", subject: "Hi", text: "Hello" });

    expect(server.received[0]?.mailFrom).toBe("noreply@example.com");
    expect(parseMime(server.received[0]?.raw ?? "").headers.get("from")).toBe('"Acme, Inc" <noreply@example.com>');
  });

  it("authenticates with AUTH PLAIN using the configured credentials", async () => {
    const server = await startServer({ authMethods: ["PLAIN"], allowInsecureAuth: true, authOptional: false });
    const mailer = mailerFor({
      host: "127.0.0.1",
      port: server.port,
      auth: { user: "mailer", pass: "s3cret-Passw0rd" },
      requireTLS: false, // the test server offers no STARTTLS
      from: "noreply@example.com",
    });

    await mailer.send({ to: "ada@example.com", subject: "Hi", text: "Hello" });

    expect(server.logins).toEqual([{ method: "PLAIN", username: "mailer", password: "s3cret-Passw0rd" }]);
    expect(server.received).toHaveLength(1);
  });

  it("refuses to send credentials in clear by default when the server offers no STARTTLS", async () => {
    const server = await startServer({ authMethods: ["PLAIN"], allowInsecureAuth: true });
    const mailer = mailerFor({ host: "127.0.0.1", port: server.port, auth: { user: "mailer", pass: "s3cret-Passw0rd" }, from: "noreply@example.com" });

    const err = await sendError(mailer.send({ to: "ada@example.com", subject: "Hi", text: "Hello" }));

    expect(err).toMatchObject({ name: "AuthsomeError", code: "mail_failed" });
    expect(server.logins).toEqual([]);
    expect(server.received).toEqual([]);
  });

  it("fails with mail_failed when the server rejects the credentials, without the password in the message", async () => {
    const server = await startServer({ authMethods: ["PLAIN"], allowInsecureAuth: true, authOptional: false });
    const mailer = mailerFor({
      host: "127.0.0.1",
      port: server.port,
      auth: { user: "mailer", pass: "wrong-Passw0rd" },
      requireTLS: false,
      from: "noreply@example.com",
    });

    const err = await sendError(mailer.send({ to: "ada@example.com", subject: "Hi", text: "Hello" }));

    expect(err).toMatchObject({ code: "mail_failed", message: "Sending mail failed" });
    expect(String(err)).not.toContain("wrong-Passw0rd");
    expect(server.received).toEqual([]);
  });

  it("fails with mail_failed when the server rejects the recipient, keeping the password and the body out of the message", async () => {
    const server = await startServer({
      authMethods: ["PLAIN"],
      allowInsecureAuth: true,
      onRcptTo(_address, _session, callback) {
        callback(Object.assign(new Error("No such user here"), { responseCode: 550 }));
      },
    });
    const mailer = mailerFor({
      host: "127.0.0.1",
      port: server.port,
      auth: { user: "mailer", pass: "s3cret-Passw0rd" },
      requireTLS: false,
      from: "noreply@example.com",
    });
    const body = "Open https://app.example/reset?token=tok_live_9f8e7d6c";

    const err = await sendError(mailer.send({ to: "ghost@example.com", subject: "Reset your password", text: body }));

    expect(isAuthsomeError(err)).toBe(true);
    expect(err).toMatchObject({ name: "AuthsomeError", code: "mail_failed", message: "Sending mail failed" });
    expect(err.cause).toBeInstanceOf(Error);
    expect(`${err.message} ${err.stack}`).not.toContain("s3cret-Passw0rd");
    expect(`${err.message} ${err.stack}`).not.toContain("tok_live_9f8e7d6c");
    expect(server.received).toEqual([]);
  });

  it("fails with mail_failed when nothing listens on the port", async () => {
    const port = await closedPort();
    const mailer = mailerFor({ host: "127.0.0.1", port, from: "noreply@example.com" });

    const err = await sendError(mailer.send({ to: "ada@example.com", subject: "Hi", text: "Hello" }));

    expect(err).toMatchObject({ name: "AuthsomeError", code: "mail_failed", message: "Sending mail failed" });
    expect(err.cause).toBeInstanceOf(Error);
    expect((err.cause as Error).message).toContain("ECONNREFUSED");
  });

  it("refuses a recipient field that names a second address instead of copying the message to it", async () => {
    const server = await startServer();
    const mailer = mailerFor({ host: "127.0.0.1", port: server.port, from: "noreply@example.com" });

    const err = await sendError(mailer.send({ to: "ada@example.com, mallory@evil.example", subject: "Reset", text: "token" }));

    expect(err).toMatchObject({ code: "mail_failed" });
    expect(server.received).toEqual([]);
  });

  it("reuses one pooled connection for consecutive messages and closes it on close()", async () => {
    let connections = 0;
    const server = await startServer({
      onConnect(_session, callback) {
        connections++;
        callback();
      },
    });
    const mailer = mailerFor({ host: "127.0.0.1", port: server.port, from: "noreply@example.com" });

    await mailer.send({ to: "ada@example.com", subject: "One", text: "1" });
    await mailer.send({ to: "bob@example.com", subject: "Two", text: "2" });
    const closed = server.nextClose();
    await mailer.close();
    await closed;

    expect(server.received.map((mail) => mail.rcptTo[0])).toEqual(["ada@example.com", "bob@example.com"]);
    expect(connections).toBe(1);
  });

  it("accepts a connection URL", async () => {
    const server = await startServer({ authMethods: ["PLAIN"], allowInsecureAuth: true, authOptional: false });
    const mailer = mailerFor({ url: `smtp://mailer:s3cret-Passw0rd@127.0.0.1:${server.port}?requireTLS=false`, from: "noreply@example.com" });

    await mailer.send({ to: "ada@example.com", subject: "Hi", text: "Hello" });

    expect(server.logins).toEqual([{ method: "PLAIN", username: "mailer", password: "s3cret-Passw0rd" }]);
    expect(server.received[0]?.rcptTo).toEqual(["ada@example.com"]);
  });
});

describe("smtpMailer options", () => {
  const base = { host: "smtp.example.com", port: 587, from: "noreply@example.com" };
  const invalid: Array<[string, SmtpMailerOptions, string]> = [
    ["a sender that is not an address", { ...base, from: "noreply" }, "smtpMailer.from"],
    ["a sender name without an address", { ...base, from: "Acme <>" }, "smtpMailer.from"],
    ["a sender with a line break", { ...base, from: "Acme\r\nBcc: x@evil.example <noreply@example.com>" }, "smtpMailer.from"],
    ["port 0", { ...base, port: 0 }, "smtpMailer.port"],
    ["port 65536", { ...base, port: 65536 }, "smtpMailer.port"],
    ["a fractional port", { ...base, port: 587.5 }, "smtpMailer.port"],
    ["an empty host", { ...base, host: "" }, "smtpMailer.host"],
    ["an empty password", { ...base, auth: { user: "mailer", pass: "" } }, "smtpMailer.auth.pass"],
    ["a zero connection timeout", { ...base, connectionTimeoutMs: 0 }, "smtpMailer.connectionTimeoutMs"],
    ["a URL with another scheme", { url: "https://mailer:hunter2-Pass@smtp.example.com", from: "noreply@example.com" }, "smtpMailer.url"],
    ["a URL that does not parse", { url: "smtp://mailer:hunter2-Pass@", from: "noreply@example.com" }, "smtpMailer.url"],
  ];

  it.each(invalid)("refuses %s at construction with invalid_config", (_case, options, field) => {
    let caught: unknown;
    try {
      smtpMailer(options);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ name: "ValidationError", code: "invalid_config", details: { field } });
    expect((caught as Error).message).not.toContain("hunter2-Pass");
  });

  it("does not modify the options object it is given", async () => {
    const options = { host: "127.0.0.1", port: 2525, from: "Acme, Inc <noreply@example.com>", auth: { user: "mailer", pass: "s3cret-Passw0rd" }, tls: { rejectUnauthorized: true } };
    const snapshot = structuredClone(options);

    await smtpMailer(options).close();

    expect(options).toEqual(snapshot);
  });
});
