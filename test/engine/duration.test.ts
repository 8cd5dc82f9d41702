import { describe, expect, it } from "vitest";
import { durationSeconds } from "../../src/engine/duration.js";

describe("durationSeconds", () => {
  it.each([
    [90, 90],
    ["90s", 90],
    ["15m", 900],
    ["1h", 3_600],
    ["30d", 2_592_000],
  ] as const)("reads %s as %i seconds", (value, seconds) => {
    expect(durationSeconds(value, "x")).toBe(seconds);
  });

  it.each([0, -5, 1.5, Number.NaN, "1w", "h", "-1h", "1.5h", "", "10 minutes"])("rejects %s, naming the field", (value) => {
    expect(() => durationSeconds(value as never, "config.session.tokenTTL")).toThrow(/config\.session\.tokenTTL/);
  });
});
