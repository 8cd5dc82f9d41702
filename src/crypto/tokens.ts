/**
 * Opaque tokens, their SHA-256 lookup hashes and numeric one-time codes. Tokens that are only ever compared are
 * stored as `hashToken(token)` in `*_hash` columns and looked up by that hash (spec: schema, "Secrets are never
 * stored in the clear").
 * @module
 */
import { createHash, randomFillSync, timingSafeEqual } from "node:crypto";
import { AuthsomeError } from "../errors.js";

/** Returns `size` cryptographically secure random bytes. Injectable so tests can make draws deterministic. */
export type RandomSource = (size: number) => Uint8Array;

// The OS's CSPRNG drawn in 4 KiB blocks, as Node's own randomUUID() does: one syscall per 128 tokens instead of one
// per token (on virtual machines a getrandom() call alone cost ~8 µs, a tenth of a sign-in's own CPU). Each byte is
// handed out once and zeroed in the block as it leaves.
const poolSize = 4096;
const pool = Buffer.alloc(poolSize);
let poolOffset = poolSize;

export const defaultRandomSource: RandomSource = (size) => {
  if (size > poolSize / 4) return randomFillSync(Buffer.alloc(size));
  if (poolOffset + size > poolSize) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const out = Buffer.from(pool.subarray(poolOffset, poolOffset + size));
  pool.fill(0, poolOffset, poolOffset + size);
  poolOffset += size;
  return out;
};

// One or two segments: `as_`, `pk_live_`.
const TOKEN_PREFIX = /^[a-z]{1,8}_(?:[a-z]{1,8}_)?$/;
/** 32 bytes = 256 bits, the spec's minimum for opaque tokens; 43 base64url characters. */
const TOKEN_ENTROPY_BYTES = 32;
const MIN_CODE_DIGITS = 4;
const MAX_CODE_DIGITS = 10;
/** Each draw is accepted with probability > 1/2, so a real source never gets near this; a broken one fails loudly. */
const MAX_CODE_DRAWS = 128;

/**
 * A new opaque token: `prefix` followed by the base64url of 32 random bytes. The prefix (`as_` session, `ar_`
 * refresh, `ev_` verification link, `pr_` password reset) lets secret scanners recognise leaked tokens.
 * @throws TypeError when the prefix is not one or two groups of 1–8 lowercase letters each followed by `_`, or the source returns too few bytes
 */
export function generateToken(prefix: string, random: RandomSource = defaultRandomSource): string {
  if (!TOKEN_PREFIX.test(prefix)) {
    throw new TypeError(`Token prefix must be 1-8 lowercase letters followed by "_" (at most twice), got ${JSON.stringify(prefix)}`);
  }
  const bytes = drawRandomBytes(random, TOKEN_ENTROPY_BYTES);
  return prefix + Buffer.from(bytes).toString("base64url");
}

/** The lowercase hex SHA-256 of the token's UTF-8 bytes: the value stored in `*_hash` columns. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/**
 * Compares two hashes in constant time for equal lengths. Different lengths return `false` at once: the length of
 * a hash is public (always 64 hex characters), so leaking it through timing reveals nothing.
 */
export function isEqualHash(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  if (left.length !== right.length) return false;
  return timingSafeEqual(left, right);
}

/**
 * A uniformly distributed decimal code of `digits` digits, leading zeros kept (`"004217"`). Draws the fewest
 * bytes covering 10^digits, keeps the lowest ⌈log2 10^digits⌉ bits and redraws values ≥ 10^digits: a plain
 * `% 10^digits` would make low codes likelier (modulo bias).
 * @throws TypeError when `digits` is not an integer from 4 to 10
 */
export function generateNumericCode(digits = 6, random: RandomSource = defaultRandomSource): string {
  if (!Number.isInteger(digits) || digits < MIN_CODE_DIGITS || digits > MAX_CODE_DIGITS) {
    throw new TypeError(`Code length must be an integer from ${MIN_CODE_DIGITS} to ${MAX_CODE_DIGITS}, got ${digits}`);
  }
  const range = 10 ** digits;
  let bits = 0;
  while (2 ** bits < range) bits++;
  const byteCount = Math.ceil(bits / 8);
  // Number arithmetic, not bitwise: 10^10 needs 34 bits, past the 32 that bitwise operators keep.
  const span = 2 ** bits;
  for (let draw = 0; draw < MAX_CODE_DRAWS; draw++) {
    const bytes = drawRandomBytes(random, byteCount);
    let value = 0;
    for (const byte of bytes) value = value * 256 + byte;
    value %= span; // keeps the lowest `bits` bits; 2^bits divides 2^(8·byteCount), so this stays uniform
    if (value < range) return value.toString().padStart(digits, "0");
  }
  throw new AuthsomeError("internal_error", `Random source gave no usable value in ${MAX_CODE_DRAWS} draws`);
}

/**
 * Exactly `size` bytes from `random`.
 * @throws TypeError when the source returns fewer bytes, which would silently weaken every token and IV
 */
export function drawRandomBytes(random: RandomSource, size: number): Uint8Array {
  const bytes = random(size);
  if (bytes.length < size) {
    throw new TypeError(`Random source returned ${bytes.length} bytes, ${size} were requested`);
  }
  return bytes.length === size ? bytes : bytes.subarray(0, size);
}
