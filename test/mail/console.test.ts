import { describe, expect, it } from "vitest";
import { consoleMailer } from "../../src/mail/console.js";

function capture(): { write: (text: string) => void; output: string[] } {
  const output: string[] = [];
  return { write: (text) => void output.push(text), output };
}

describe("consoleMailer", () => {
  it("prints the recipient, subject and text body of each message", async () => {
    const { write, output } = capture();
    const mailer = consoleMailer({ write, env: { NODE_ENV: "development" } });

    await mailer.send({
      to: "ada@example.com",
      subject: "Réinitialisez votre mot de passe",
      text: "Open https://app.example/reset?token=r1",
      html: "<a href='https://app.example/reset?token=r1'>Reset</a>",
    });

    expect(output).toHaveLength(1);
    expect(output[0]).toContain("To: ada@example.com");
    expect(output[0]).toContain("Subject: Réinitialisez votre mot de passe");
    expect(output[0]).toContain("Open https://app.example/reset?token=r1");
    expect(output[0]).not.toContain("<a href");
  });

  it("works when NODE_ENV is unset", async () => {
    const { write, output } = capture();
    await consoleMailer({ write, env: {} }).send({ to: "bob@example.com", subject: "Verify", text: "123456" });
    expect(output.join("")).toContain("123456");
  });

  it("refuses to be constructed when NODE_ENV is production, pointing to smtpMailer", () => {
    const { write, output } = capture();
    let caught: unknown;
    try {
      consoleMailer({ write, env: { NODE_ENV: "production" } });
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ name: "ValidationError", code: "invalid_config" });
    expect((caught as Error).message).toContain("smtpMailer");
    expect(output).toEqual([]);
  });

  it("refuses a write option that is not a function with invalid_config", () => {
    expect(() => consoleMailer({ write: "stdout" as unknown as (text: string) => void, env: {} })).toThrow(
      expect.objectContaining({ code: "invalid_config" }),
    );
  });
});
