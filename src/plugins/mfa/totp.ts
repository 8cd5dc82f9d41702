/**
 * TOTP (RFC 6238) as authenticator apps speak it: SHA-1, 6 digits, 30-second steps, one step of drift either way.
 * The verifier answers the time step a code was accepted for, so the caller can record it and refuse it again.
 * @module
 */
import { Secret, TOTP } from "otpauth";

export interface TotpParameters {
  /** Default 6. RFC 6238's test vectors use 8. */
  digits?: number;
  /** Seconds per step. Default 30. */
  period?: number;
  /** Steps of clock drift accepted either side. Default 1. */
  window?: number;
}

/** A fresh seed: 20 random bytes (160 bits, RFC 4226's recommendation), base32 without padding (32 characters). */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/**
 * The key URI authenticator apps scan (Google Authenticator's "Key Uri Format"):
 * `otpauth://totp/<issuer>:<account>?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`. Neither part of the
 * label may contain a colon (readers split the label at the first one), so colons are dropped there; the `issuer`
 * parameter keeps the name as given.
 */
export function otpauthUrl(issuer: string, account: string, secret: string): string {
  const part = (value: string) => encodeURIComponent(value.replaceAll(":", ""));
  const label = `${part(issuer)}:${part(account)}`;
  return `otpauth://totp/${label}?secret=${secret}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=6&period=30`;
}

/**
 * The time step (`floor(unix seconds / period)`) at which `code` is the TOTP of `secret` (base32), looking `window`
 * steps either side of `at`; null when it is none of them or not `digits` digits.
 */
export function acceptedStep(secret: string, code: string, at: Date, parameters: TotpParameters = {}): number | null {
  const { digits = 6, period = 30, window = 1 } = parameters;
  if (code.length !== digits || !/^\d+$/.test(code)) return null;
  const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: "SHA1", digits, period });
  const timestamp = at.getTime();
  // otpauth answers the step delta (…, -1, 0, 1, …) or null — never false — and compares in constant time.
  const delta = totp.validate({ token: code, timestamp, window });
  return delta === null ? null : totp.counter({ timestamp }) + delta;
}
