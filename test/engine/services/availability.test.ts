// The gate background workers share: a job that finds the database down pauses every worker (no try spent), the
// gate probes with backoff, and work resumes when a ping answers. Driven with a ping the test controls.
import { describe, expect, it, vi } from "vitest";
import { createAvailability } from "../../../src/engine/services/availability.js";
import { AuthsomeError, UnavailableError } from "../../../src/errors.js";
import { createMailQueue } from "../../../src/mail/queue.js";

const quiet = { error() {}, warn() {}, info() {} };
const outage = () => new UnavailableError("unavailable", "Database unavailable");

function controlledDatabase() {
  let up = true;
  let pings = 0;
  return {
    ping: async () => {
      pings++;
      if (!up) throw outage();
    },
    set up(value: boolean) {
      up = value;
    },
    get pings() {
      return pings;
    },
  };
}

describe("availability gate and the mail queue", () => {
  it("an outage pauses the queue without spending tries, and it resumes by itself when a ping answers", async () => {
    const db = controlledDatabase();
    const gate = createAvailability({ ping: db.ping, logger: quiet, minDelayMs: 5, maxDelayMs: 20 });
    // One try only: if waiting out the outage spent tries, the first job would be given up.
    const queue = createMailQueue(quiet, { maxAttempts: 1 }, gate);
    const ran: string[] = [];
    db.up = false;
    queue.push("first", async () => {
      await db.ping();
      ran.push("first");
    });
    await vi.waitFor(() => expect(gate.open).toBe(false));
    expect(gate.outages).toBe(1);
    let secondStarted = false;
    queue.push("second", async () => {
      secondStarted = true;
      ran.push("second");
    });
    // While closed nothing new starts, however long the probes take.
    await vi.waitFor(() => expect(db.pings).toBeGreaterThan(3));
    expect(secondStarted).toBe(false);
    expect(queue.size).toBe(2);

    db.up = true;
    await queue.idle();
    expect(ran.sort()).toEqual(["first", "second"]);
    expect(gate.open).toBe(true);
    expect(gate.outages).toBe(1);
    gate.stop();
  });

  it("a failure that only looks like an outage (the ping answers) is an ordinary failure, retried and then given up", async () => {
    const db = controlledDatabase();
    const gate = createAvailability({ ping: db.ping, logger: quiet, minDelayMs: 5 });
    const errors: string[] = [];
    const queue = createMailQueue({ error: (m) => void errors.push(m), warn() {} }, { maxAttempts: 2, retryDelayMs: 1 }, gate);
    let tries = 0;
    queue.push("flaky", async () => {
      tries++;
      throw outage();
    });
    await queue.idle();
    expect(tries).toBe(2);
    expect(gate.open).toBe(true);
    expect(gate.outages).toBe(0);
    expect(errors).toContain("mail job failed; giving up");
  });

  it("other errors never close the gate", async () => {
    const db = controlledDatabase();
    const gate = createAvailability({ ping: db.ping, logger: quiet });
    expect(await gate.absorb(new AuthsomeError("mail_failed", "Sending mail failed"))).toBe(false);
    expect(await gate.absorb(new UnavailableError("timeout", "The database did not answer in time"))).toBe(false);
    expect(db.pings).toBe(0);
    expect(gate.open).toBe(true);
  });

  it("stop() releases whoever waits on the gate, so a draining worker is never stuck", async () => {
    const db = controlledDatabase();
    db.up = false;
    const gate = createAvailability({ ping: db.ping, logger: quiet, minDelayMs: 60_000 });
    expect(await gate.absorb(outage())).toBe(true);
    const waiting = gate.whenOpen();
    gate.stop();
    await expect(waiting).resolves.toBeUndefined();
  });
});
