import { describe, expect, it } from "vitest";
import { createMailQueue } from "../../src/mail/queue.js";

function recordingLogger() {
  const lines: Array<{ level: string; message: string; fields: Record<string, unknown> }> = [];
  return {
    lines,
    error: (message: string, fields: Record<string, unknown>) => void lines.push({ level: "error", message, fields }),
    warn: (message: string, fields: Record<string, unknown>) => void lines.push({ level: "warn", message, fields }),
  };
}

describe("createMailQueue", () => {
  it("runs jobs after the current turn, never inside it", async () => {
    const queue = createMailQueue(recordingLogger());
    const ran: string[] = [];
    queue.push("a", async () => void ran.push("a"));
    ran.push("caller");
    await Promise.resolve();
    expect(ran).toEqual(["caller"]);
    await queue.idle();
    expect(ran).toEqual(["caller", "a"]);
  });

  it("retries a failing job with growing delays, then gives up and logs it", async () => {
    const logger = recordingLogger();
    const queue = createMailQueue(logger, { maxAttempts: 3, retryDelayMs: 5 });
    const at: number[] = [];
    queue.push("flaky", async () => {
      at.push(Date.now());
      throw new Error("SMTP down");
    });
    await queue.idle();
    expect(at).toHaveLength(3);
    expect((at[2] as number) - (at[1] as number)).toBeGreaterThanOrEqual((at[1] as number) - (at[0] as number));
    expect(logger.lines.map((l) => `${l.level}: ${l.message}`)).toEqual([
      "warn: mail job failed; retrying",
      "warn: mail job failed; retrying",
      "error: mail job failed; giving up",
    ]);
  });

  it("delivers once a retry succeeds", async () => {
    const queue = createMailQueue(recordingLogger(), { retryDelayMs: 1 });
    let tries = 0;
    let sent = 0;
    queue.push("second time lucky", async () => {
      if (++tries < 2) throw new Error("451");
      sent++;
    });
    await queue.idle();
    expect({ tries, sent }).toEqual({ tries: 2, sent: 1 });
  });

  it("drops jobs beyond maxSize and logs each drop", async () => {
    const logger = recordingLogger();
    const queue = createMailQueue(logger, { maxSize: 2, concurrency: 1 });
    const accepted = [1, 2, 3].map((n) => queue.push(`job ${n}`, async () => {}));
    expect(accepted).toEqual([true, true, false]);
    expect(logger.lines).toEqual([{ level: "error", message: "mail job dropped", fields: { job: "job 3", reason: "queue full" } }]);
    await queue.idle();
  });

  it("runs at most `concurrency` jobs at once", async () => {
    const queue = createMailQueue(recordingLogger(), { concurrency: 2 });
    let running = 0;
    let peak = 0;
    for (let i = 0; i < 6; i++) {
      queue.push(`job ${i}`, async () => {
        peak = Math.max(peak, ++running);
        await new Promise((resolve) => setTimeout(resolve, 2));
        running--;
      });
    }
    await queue.idle();
    expect(peak).toBe(2);
  });

  it("stop() finishes what is queued, abandons waiting retries and refuses new jobs until start()", async () => {
    const logger = recordingLogger();
    const queue = createMailQueue(logger, { retryDelayMs: 60_000 });
    let done = 0;
    queue.push("ok", async () => void done++);
    queue.push("retrying", async () => {
      throw new Error("later");
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await queue.stop(1_000);
    expect(done).toBe(1);
    expect(queue.size).toBe(0);
    expect(queue.push("after stop", async () => {})).toBe(false);
    queue.start();
    expect(queue.push("after start", async () => void done++)).toBe(true);
    await queue.idle();
    expect(done).toBe(2);
  });

  it("runs, while stop() drains, the jobs that running jobs queue (a job queues its send)", async () => {
    const queue = createMailQueue(recordingLogger());
    const sent: string[] = [];
    queue.push("prepare", async () => {
      queue.push("send", async () => void sent.push("mail"));
    });
    await queue.stop(1_000);
    expect(sent).toEqual(["mail"]);
  });

  it("counts a try that hangs past jobTimeoutMs as failed, so a hung SMTP connection frees its slot", async () => {
    const logger = recordingLogger();
    const queue = createMailQueue(logger, { jobTimeoutMs: 20, maxAttempts: 1, concurrency: 1 });
    let after = false;
    queue.push("hangs", () => new Promise<void>(() => {}));
    queue.push("after", async () => void (after = true));
    await queue.idle();
    expect(after).toBe(true);
    expect(logger.lines).toEqual([expect.objectContaining({ level: "error", message: "mail job failed; giving up", fields: expect.objectContaining({ job: "hangs" }) })]);
  });

  it("refuses unusable options at construction", () => {
    expect(() => createMailQueue(recordingLogger(), { maxAttempts: 0 })).toThrow(TypeError);
    expect(() => createMailQueue(recordingLogger(), { retryDelayMs: 1.5 })).toThrow(/retryDelayMs/);
  });
});
