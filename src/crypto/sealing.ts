/**
 * AES-256-GCM sealing of secrets that must be read back (TOTP seeds, OAuth provider tokens, webhook signing
 * secrets). A sealed value is `v<keyId>.<base64url(iv ‖ ciphertext ‖ tag)>`, bound by its additional
 * authenticated data to `<table>.<column>:<rowId>` (spec: schema, "Secrets are never stored in the clear").
 * @module
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, type BinaryLike } from "node:crypto";
import { AuthsomeError, ValidationError } from "../errors.js";
import { defaultRandomSource, drawRandomBytes, type RandomSource } from "./tokens.js";

/** Where a sealed value lives. It opens only with the same table, column and row id it was sealed with. */
export interface SealContext {
  table: string;
  column: string;
  rowId: string;
}

export interface Sealer {
  /** Encrypts under the first configured secret. */
  seal(plaintext: string, context: SealContext): string;
  /**
   * Decrypts a value sealed under any configured secret.
   * @throws AuthsomeError `unseal_failed` when the value is malformed, its key is not configured, it was
   *   tampered with, or it belongs to another table, column or row
   */
  open(sealed: string, context: SealContext): string;
}

export interface AesGcmCiphertext {
  ciphertext: Buffer;
  tag: Buffer;
}

// Changing any of these changes every derived key and makes existing sealed values unreadable.
const KEY_SALT = "authsome/seal";
const KEY_INFO = "aes-256-gcm key v1";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MIN_SECRET_CHARS = 32;
const SEALED_FORMAT = /^v([0-9a-f]{8})\.([A-Za-z0-9_-]+)$/;

interface SealingKey {
  id: string;
  key: Buffer;
}

/** HKDF-SHA-256 (RFC 5869): extract with `salt`, expand with `info` to `lengthInBytes` bytes. */
export function deriveKey(ikm: BinaryLike, salt: BinaryLike, info: BinaryLike, lengthInBytes: number): Buffer {
  return Buffer.from(hkdfSync("sha256", ikm, salt, info, lengthInBytes));
}

/** One AES-256-GCM encryption with a 128-bit tag. The caller owns IV uniqueness: never reuse one under a key. */
export function encryptAesGcm(key: Uint8Array, iv: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): AesGcmCiphertext {
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { ciphertext, tag: cipher.getAuthTag() };
}

/**
 * The inverse of {@link encryptAesGcm}.
 * @throws Error from node:crypto when the tag does not authenticate the key, iv, ciphertext and aad
 */
export function decryptAesGcm(key: Uint8Array, iv: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array, aad: Uint8Array): Buffer {
  // A fixed authTagLength makes node reject truncated tags, which would otherwise be accepted and be easier to forge.
  const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

/**
 * A sealer keyed by `secrets`: the first seals, all of them open, so a secret is rotated by putting a new one
 * first and dropping the old one once nothing sealed under it remains. Each sealed value names its key by a hash
 * of the derived key rather than by position, so reordering or adding secrets never breaks existing values.
 * @throws ValidationError `invalid_config` when there is no secret or one is shorter than 32 characters
 * @example
 * const sealer = createSealer([process.env.AUTHSOME_SECRET!]);
 * const sealed = sealer.seal(totpSeed, { table: "authsome_mfa_enrollments", column: "secret_sealed", rowId: enrollment.id });
 * sealer.open(sealed, { table: "authsome_mfa_enrollments", column: "secret_sealed", rowId: enrollment.id }); // totpSeed
 */
export function createSealer(secrets: readonly string[], random: RandomSource = defaultRandomSource): Sealer {
  const keys = deriveSealingKeys(secrets);
  const sealingKey = keys[0] as SealingKey; // deriveSealingKeys guarantees at least one
  const keysById = new Map(keys.map((k) => [k.id, k.key]));

  function seal(plaintext: string, context: SealContext): string {
    const iv = drawRandomBytes(random, IV_BYTES);
    const { ciphertext, tag } = encryptAesGcm(sealingKey.key, iv, Buffer.from(plaintext, "utf8"), toAad(context));
    return `v${sealingKey.id}.${Buffer.concat([iv, ciphertext, tag]).toString("base64url")}`;
  }

  function open(sealed: string, context: SealContext): string {
    const aad = toAad(context);
    const match = SEALED_FORMAT.exec(sealed);
    const payload = match ? Buffer.from(match[2] as string, "base64url") : undefined;
    // Re-encoding rejects non-canonical base64url, so each sealed byte string has exactly one text form.
    if (!match || !payload || payload.length < IV_BYTES + TAG_BYTES || payload.toString("base64url") !== match[2]) {
      throw new AuthsomeError("unseal_failed", "Sealed value is malformed");
    }
    const keyId = match[1] as string;
    const key = keysById.get(keyId);
    if (!key) {
      throw new AuthsomeError("unseal_failed", `Sealed value's key v${keyId} is not derived from any configured secret`);
    }
    const iv = payload.subarray(0, IV_BYTES);
    const ciphertext = payload.subarray(IV_BYTES, payload.length - TAG_BYTES);
    const tag = payload.subarray(payload.length - TAG_BYTES);
    try {
      return decryptAesGcm(key, iv, ciphertext, tag, aad).toString("utf8");
    } catch (err) {
      throw new AuthsomeError(
        "unseal_failed",
        "Sealed value failed authentication: it was altered or belongs to another table, column or row",
        { cause: err },
      );
    }
  }

  return { seal, open };
}

function deriveSealingKeys(secrets: readonly string[]): SealingKey[] {
  if (!Array.isArray(secrets) || secrets.length === 0) {
    throw new ValidationError("invalid_config", "At least one secret is required for sealing");
  }
  const keys: SealingKey[] = [];
  const firstUseById = new Map<string, { index: number; key: Buffer }>();
  secrets.forEach((secret: unknown, index) => {
    // Messages name the position and the rule, never the secret or anything derived from it.
    if (typeof secret !== "string") {
      throw new ValidationError("invalid_config", `secrets[${index}] must be a string`);
    }
    if (secret.length < MIN_SECRET_CHARS) {
      throw new ValidationError("invalid_config", `secrets[${index}] must be at least ${MIN_SECRET_CHARS} characters`);
    }
    const key = deriveKey(secret, KEY_SALT, KEY_INFO, KEY_BYTES);
    const id = createHash("sha256").update(key).digest("hex").slice(0, 8);
    const earlier = firstUseById.get(id);
    if (!earlier) {
      firstUseById.set(id, { index, key });
      keys.push({ id, key });
    } else if (!earlier.key.equals(key)) {
      // A 32-bit id collision between different keys (odds ~2^-32): open() could not tell them apart.
      throw new ValidationError("invalid_config", `secrets[${index}] and secrets[${earlier.index}] derive the same key id; replace one`);
    }
    // An exact repeat of an earlier secret derives the same key and is harmless, so it is skipped.
  });
  return keys;
}

function toAad(context: SealContext): Buffer {
  const { table, column, rowId } = context;
  // Without "." in the table and ":" in the column, `<table>.<column>:<rowId>` splits back one way only, so no
  // two contexts share an AAD.
  if (!table || table.includes(".") || table.includes(":")) {
    throw new TypeError("Seal context table must be a non-empty name without '.' or ':'");
  }
  if (!column || column.includes(".") || column.includes(":")) {
    throw new TypeError("Seal context column must be a non-empty name without '.' or ':'");
  }
  if (!rowId) throw new TypeError("Seal context rowId must be non-empty");
  return Buffer.from(`${table}.${column}:${rowId}`, "utf8");
}
