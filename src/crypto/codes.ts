/**
 * Keyed hashes of short codes (6-digit verification codes, recovery codes, magic-link codes). A plain SHA-256 of a
 * code from a space of a million falls to brute force in under a second from a dumped row, so short codes are stored
 * as HMAC-SHA-256 under a key derived from the configured secrets: a dump without the secret reveals nothing.
 * A stored value is `v<keyId>.<hex>`; the first secret makes new values, every configured secret checks them, so
 * secrets rotate as they do for sealing. Long random tokens (256 bits) need no key and stay plain SHA-256.
 * @module
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { ValidationError } from "../errors.js";
import { deriveKey } from "./sealing.js";

// Changing these changes every derived key and makes every stored code unverifiable.
const KEY_SALT = "authsome/code";
const KEY_INFO = "hmac-sha-256 code key v1";
const STORED_FORMAT = /^v([0-9a-f]{8})\.([0-9a-f]{64})$/;

export interface CodeHasher {
  /** The stored form of `code` for `purpose` (e.g. `email-code`) and `subject` (e.g. the user id). */
  hash(purpose: string, subject: string, code: string): string;
  /** Whether `stored` is the hash of `code` under any configured secret; constant time in the digest comparison. */
  verify(stored: string, purpose: string, subject: string, code: string): boolean;
}

interface CodeKey {
  id: string;
  key: Buffer;
}

function digest(key: Buffer, purpose: string, subject: string, code: string): Buffer {
  // Length-prefixed fields: ("a", "b:c") and ("a:b", "c") must not collide.
  return createHmac("sha256", key).update(`${purpose.length}:${purpose}|${subject.length}:${subject}|${code}`, "utf8").digest();
}

/**
 * A code hasher keyed by `secrets` (at least one, each 32+ characters).
 * @throws ValidationError `invalid_config` when there is no usable secret
 */
export function createCodeHasher(secrets: readonly string[]): CodeHasher {
  if (secrets.length === 0) throw new ValidationError("invalid_config", "At least one secret is required to hash codes");
  const keys: CodeKey[] = secrets.map((secret, index) => {
    if (typeof secret !== "string" || secret.length < 32) {
      throw new ValidationError("invalid_config", `secrets[${index}] must be at least 32 characters`);
    }
    const key = deriveKey(secret, KEY_SALT, KEY_INFO, 32);
    return { id: createHash("sha256").update(key).digest("hex").slice(0, 8), key };
  });
  const maker = keys[0] as CodeKey;
  const byId = new Map(keys.map((k) => [k.id, k.key]));
  return {
    hash: (purpose, subject, code) => `v${maker.id}.${digest(maker.key, purpose, subject, code).toString("hex")}`,
    verify(stored, purpose, subject, code) {
      const match = STORED_FORMAT.exec(stored);
      const key = match ? byId.get(match[1] as string) : undefined;
      if (!match || !key) return false;
      return timingSafeEqual(Buffer.from(match[2] as string, "hex"), digest(key, purpose, subject, code));
    },
  };
}
