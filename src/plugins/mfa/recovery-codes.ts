/**
 * Recovery codes: ten single-use codes shown once, `xxxxx-xxxxx` from an alphabet without look-alikes (about 49
 * bits each), stored as keyed hashes (`ctx.codes`: HMAC-SHA-256 under a key derived from the configured secret).
 * @module
 */
import { randomInt } from "node:crypto";
import type { CodeHasher } from "../../plugin/index.js";

export const recoveryCodeCount = 10;
// No 0/o, 1/i/l: codes are read off paper.
const alphabet = "23456789abcdefghjkmnpqrstuvwxyz";
const groupLength = 5;
const purpose = "mfa-recovery-code";
const shape = new RegExp(`^[${alphabet}]{${groupLength * 2}}$`);

/** A new set of codes, as the user is shown them. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: recoveryCodeCount }, () => {
    let code = "";
    for (let i = 0; i < groupLength * 2; i++) code += alphabet[randomInt(alphabet.length)];
    return `${code.slice(0, groupLength)}-${code.slice(groupLength)}`;
  });
}

/** What a typed code is compared as: lower case, without dashes or spaces; null when it cannot be a code at all. */
export function normalizeRecoveryCode(input: string): string | null {
  const code = input.toLowerCase().replace(/[\s-]/g, "");
  return shape.test(code) ? code : null;
}

/** The stored form of a code of `userId`. */
export function hashRecoveryCode(codes: CodeHasher, userId: string, code: string): string {
  return codes.hash(purpose, userId, normalizeRecoveryCode(code) ?? code);
}

/**
 * The id of the stored code `input` is, among `stored`; null when none. Every stored code is compared (each in
 * constant time), so the time taken says nothing about which one matched, or how close a guess came.
 */
export function matchRecoveryCode(codes: CodeHasher, userId: string, input: string, stored: ReadonlyArray<{ id: string; hash: string }>): string | null {
  const code = normalizeRecoveryCode(input) ?? "";
  let match: string | null = null;
  for (const candidate of stored) {
    if (codes.verify(candidate.hash, purpose, userId, code) && match === null) match = candidate.id;
  }
  return code ? match : null;
}
