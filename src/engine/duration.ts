import { ValidationError } from "../errors.js";

/** A duration in seconds, or a string with a unit: `"90s"`, `"15m"`, `"1h"`, `"30d"`. */
export type Duration = number | `${number}${"s" | "m" | "h" | "d"}`;

const unitSeconds = { s: 1, m: 60, h: 3_600, d: 86_400 } as const;

/**
 * Seconds of a configured duration.
 * @throws ValidationError `invalid_config` naming `field` when the value is not a positive whole duration.
 */
export function durationSeconds(value: Duration, field: string): number {
  let seconds: number;
  if (typeof value === "number") seconds = value;
  else {
    const match = /^(\d+)(s|m|h|d)$/.exec(String(value).trim());
    seconds = match ? Number(match[1]) * unitSeconds[match[2] as keyof typeof unitSeconds] : Number.NaN;
  }
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new ValidationError("invalid_config", `${field} must be a positive number of seconds or a string like "15m", "1h", "30d"`, {
      details: { field },
    });
  }
  return seconds;
}
