import { describe, expect, it } from "vitest";
import { isAuthsomeError } from "../../src/errors.js";
import type { MailMessage } from "../../src/mail/mailer.js";
import { memoryMailer } from "../../src/mail/memory.js";

const reset: MailMessage = { to: "ada@example.com", subject: "Reset your password", text: "https://app.example/reset?token=r1" };

describe("memoryMailer", () => {
  it("keeps every sent message in order, stamped with the injected clock", async () => {
    const times = [new Date("2030-01-01T00:00:00Z"), new Date("2030-01-01T00:00:05Z")];
    const mailer = memoryMailer({ now: () => times.shift() ?? new Date(0) });

    await mailer.send(reset);
    await mailer.send({ to: "bob@example.com", subject: "Verify", text: "code 123456", html: "<p>code 123456</p>" });

    expect(mailer.messages).toEqual([
      { ...reset, sentAt: new Date("2030-01-01T00:00:00Z") },
      { to: "bob@example.com", subject: "Verify", text: "code 123456", html: "<p>code 123456</p>", sentAt: new Date("2030-01-01T00:00:05Z") },
    ]);
  });

  it("records a copy, so changing the message object after sending does not rewrite what was sent", async () => {
    const mailer = memoryMailer();
    const message = { ...reset };
    await mailer.send(message);
    message.text = "tampered";

    expect(mailer.lastTo("ada@example.com")?.text).toBe(reset.text);
    expect(Object.isFrozen(mailer.messages[0])).toBe(true);
  });

  it("returns the latest message to an address from lastTo, matching the address case-insensitively", async () => {
    const mailer = memoryMailer();
    await mailer.send(reset);
    await mailer.send({ to: "bob@example.com", subject: "Verify", text: "for bob" });
    await mailer.send({ ...reset, text: "https://app.example/reset?token=r2" });

    expect(mailer.lastTo("Ada@Example.com")?.text).toBe("https://app.example/reset?token=r2");
    expect(mailer.lastTo("bob@example.com")?.subject).toBe("Verify");
    expect(mailer.lastTo("nobody@example.com")).toBeUndefined();
  });

  it("forgets everything on clear, while a snapshot taken earlier stays intact", async () => {
    const mailer = memoryMailer();
    await mailer.send(reset);
    const before = mailer.messages;

    mailer.clear();

    expect(mailer.messages).toEqual([]);
    expect(mailer.lastTo(reset.to)).toBeUndefined();
    expect(before).toHaveLength(1);
  });

  it("refuses a clock that is not a function with invalid_config", () => {
    let caught: unknown;
    try {
      memoryMailer({ now: "yesterday" as unknown as () => Date });
    } catch (err) {
      caught = err;
    }
    expect(isAuthsomeError(caught)).toBe(true);
    expect(caught).toMatchObject({ name: "ValidationError", code: "invalid_config", details: { field: "memoryMailer.now" } });
  });
});
