import { createHash, hkdfSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createSealer, decryptAesGcm, deriveKey, encryptAesGcm, type SealContext } from "../../src/crypto/sealing.js";
import type { RandomSource } from "../../src/crypto/tokens.js";
import { thrown } from "../support/errors.js";

const OLD_SECRET = "old-secret-0123456789abcdef0123456789";
const NEW_SECRET = "new-secret-0123456789abcdef0123456789";
// The golden value below was sealed under this context (any table, column and row id will do).
const CONTEXT: SealContext = { table: "authsome_mfa_factors", column: "secret", rowId: "amfa_01h455vb4pex5vsknk084sn02q" };
const SEALED_FORMAT = /^v[0-9a-f]{8}\.[A-Za-z0-9_-]+$/;

const hex = (value: string): Buffer => Buffer.from(value, "hex");


function expectUnsealFailed(fn: () => unknown): void {
  expect(thrown(fn)).toMatchObject({ name: "AuthsomeError", code: "unseal_failed" });
}

/** The key id a secret should get: first 8 hex of SHA-256 over HKDF-SHA-256(secret, "authsome/seal", "aes-256-gcm key v1"). */
function expectedKeyId(secret: string): string {
  const key = Buffer.from(hkdfSync("sha256", secret, "authsome/seal", "aes-256-gcm key v1", 32));
  return createHash("sha256").update(key).digest("hex").slice(0, 8);
}

function keyIdOf(sealed: string): string {
  return sealed.slice(1, sealed.indexOf("."));
}

/** Flips one bit of the decoded payload (iv ‖ ciphertext ‖ tag) at `byteIndex` and re-encodes it. */
function flipBit(sealed: string, byteIndex: number): string {
  const dot = sealed.indexOf(".");
  const payload = Buffer.from(sealed.slice(dot + 1), "base64url");
  const index = byteIndex < 0 ? payload.length + byteIndex : byteIndex;
  payload[index] = (payload[index] as number) ^ 0x01;
  return `${sealed.slice(0, dot + 1)}${payload.toString("base64url")}`;
}

describe("deriveKey", () => {
  // RFC 5869, Appendix A.1 (Test Case 1).
  it("matches RFC 5869 test case 1 (HKDF-SHA-256)", () => {
    const okm = deriveKey(hex("0b".repeat(22)), hex("000102030405060708090a0b0c"), hex("f0f1f2f3f4f5f6f7f8f9"), 42);
    expect(okm.toString("hex")).toBe(
      "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
    );
  });

  // RFC 5869, Appendix A.3 (Test Case 3): zero-length salt and info.
  it("matches RFC 5869 test case 3 (empty salt and info)", () => {
    const okm = deriveKey(hex("0b".repeat(22)), Buffer.alloc(0), Buffer.alloc(0), 42);
    expect(okm.toString("hex")).toBe(
      "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
    );
  });
});

describe("encryptAesGcm / decryptAesGcm", () => {
  // McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", Appendix B, Test Case 16 (AES-256, 60-byte
  // plaintext, 20-byte AAD, 96-bit IV).
  const key = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
  const iv = hex("cafebabefacedbaddecaf888");
  const plaintext = hex(
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" +
      "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
  );
  const aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  const ciphertext =
    "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa" +
    "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662";
  const tag = "76fc6ece0f4e1768cddf8853bb2d551b";

  it("encrypts GCM spec test case 16 to the published ciphertext and tag", () => {
    const result = encryptAesGcm(key, iv, plaintext, aad);
    expect(result.ciphertext.toString("hex")).toBe(ciphertext);
    expect(result.tag.toString("hex")).toBe(tag);
  });

  it("decrypts GCM spec test case 16 back to the published plaintext", () => {
    expect(decryptAesGcm(key, iv, hex(ciphertext), hex(tag), aad).toString("hex")).toBe(plaintext.toString("hex"));
  });

  it("rejects test case 16 with an altered tag, altered AAD or truncated tag", () => {
    const badTag = hex(tag);
    badTag[0] = (badTag[0] as number) ^ 0x80;
    expect(() => decryptAesGcm(key, iv, hex(ciphertext), badTag, aad)).toThrow();
    expect(() => decryptAesGcm(key, iv, hex(ciphertext), hex(tag), hex("feedface"))).toThrow();
    expect(() => decryptAesGcm(key, iv, hex(ciphertext), hex(tag).subarray(0, 12), aad)).toThrow();
  });
});

describe("createSealer", () => {
  const sealer = createSealer([OLD_SECRET]);

  it("opens what it sealed, including empty and non-ASCII plaintexts", () => {
    for (const plaintext of ["JBSWY3DPEHPK3PXP", "", "pässwörd 🔐", "x".repeat(10_000)]) {
      expect(sealer.open(sealer.seal(plaintext, CONTEXT), CONTEXT)).toBe(plaintext);
    }
  });

  it("writes v<keyId>.<base64url(iv ‖ ciphertext ‖ tag)> with a 12-byte iv and a 16-byte tag", () => {
    const sealed = sealer.seal("JBSWY3DPEHPK3PXP", CONTEXT);
    expect(sealed).toMatch(SEALED_FORMAT);
    expect(keyIdOf(sealed)).toBe(expectedKeyId(OLD_SECRET));
    const payload = Buffer.from(sealed.slice(sealed.indexOf(".") + 1), "base64url");
    expect(payload.length).toBe(12 + "JBSWY3DPEHPK3PXP".length + 16);
  });

  it("takes the iv from the injected random source", () => {
    const sizes: number[] = [];
    const random: RandomSource = (size) => {
      sizes.push(size);
      return Uint8Array.from({ length: size }, (_, i) => i + 1);
    };
    const sealed = createSealer([OLD_SECRET], random).seal("seed", CONTEXT);
    expect(sizes).toEqual([12]);
    const payload = Buffer.from(sealed.slice(sealed.indexOf(".") + 1), "base64url");
    expect(payload.subarray(0, 12).toString("hex")).toBe("0102030405060708090a0b0c");
  });

  it("opens a value sealed by an earlier build, so the format and key derivation stay stable", () => {
    // OLD_SECRET, CONTEXT and the iv 0x01..0x0c, cross-checked with Python (hmac-based HKDF, cryptography's AESGCM).
    // Changing the salt, the info, the key id or the AAD layout breaks this, and with it every stored value.
    const golden = "v6d842612.AQIDBAUGBwgJCgsM5Tf05YTtctAPdIOpzUqTMODUzkbznvH66n7UAdFOa2I";
    expect(sealer.open(golden, CONTEXT)).toBe("JBSWY3DPEHPK3PXP");
  });

  it("gives two seals of one plaintext different ivs and texts", () => {
    const first = sealer.seal("same", CONTEXT);
    const second = sealer.seal("same", CONTEXT);
    expect(first).not.toBe(second);
    expect(first.slice(first.indexOf(".") + 1, first.indexOf(".") + 17)).not.toBe(
      second.slice(second.indexOf(".") + 1, second.indexOf(".") + 17),
    );
  });

  it("refuses to open a value under another row, column or table", () => {
    const sealed = sealer.seal("seed", CONTEXT);
    expectUnsealFailed(() => sealer.open(sealed, { ...CONTEXT, rowId: "amfa_01h455vb4pex5vsknk084sn02r" }));
    expectUnsealFailed(() => sealer.open(sealed, { ...CONTEXT, column: "backup_secret" }));
    expectUnsealFailed(() => sealer.open(sealed, { ...CONTEXT, table: "authsome_webhooks" }));
  });

  it("refuses a value with one bit flipped in the iv, the ciphertext or the tag", () => {
    const sealed = sealer.seal("JBSWY3DPEHPK3PXP", CONTEXT);
    for (const byteIndex of [0, 11, 12, 12 + 15, -16, -1]) {
      const tampered = flipBit(sealed, byteIndex);
      expect(tampered).not.toBe(sealed);
      expectUnsealFailed(() => sealer.open(tampered, CONTEXT));
    }
  });

  it("refuses malformed values", () => {
    const sealed = sealer.seal("seed", CONTEXT);
    const id = keyIdOf(sealed);
    const body = sealed.slice(sealed.indexOf(".") + 1);
    const malformed = [
      "",
      "seed",
      body,
      sealed.slice(1), // no "v"
      `v${id}`, // no payload
      `v${id}.`,
      `v${id.slice(1)}.${body}`, // 7-character key id
      `vABCDEF01.${body}`, // key ids are lowercase hex
      `v${id}.${body}=`, // padding is not base64url
      `v${id}.${body.slice(0, 30)}`, // shorter than iv + tag
      `v${id}.${body} `,
    ];
    for (const value of malformed) {
      expectUnsealFailed(() => sealer.open(value, CONTEXT));
    }
  });

  it("refuses a non-canonical base64url payload", () => {
    // 12 + 4 + 16 = 32 bytes encode to 43 characters whose last one carries 2 unused bits; setting one gives a
    // different string that decodes to the same bytes.
    const sealed = sealer.seal("seed", CONTEXT);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = sealed.at(-1) as string;
    const altered = sealed.slice(0, -1) + (alphabet[alphabet.indexOf(last) ^ 0b01] as string);
    expect(Buffer.from(altered.slice(altered.indexOf(".") + 1), "base64url")).toEqual(
      Buffer.from(sealed.slice(sealed.indexOf(".") + 1), "base64url"),
    );
    expectUnsealFailed(() => sealer.open(altered, CONTEXT));
    expect(sealer.open(sealed, CONTEXT)).toBe("seed");
  });

  it("refuses a value whose key is not configured", () => {
    const sealed = createSealer([NEW_SECRET]).seal("seed", CONTEXT);
    expectUnsealFailed(() => sealer.open(sealed, CONTEXT));
  });

  it("keeps secrets and plaintext out of unseal_failed messages", () => {
    const sealed = sealer.seal("JBSWY3DPEHPK3PXP", CONTEXT);
    const cases = [
      () => sealer.open(flipBit(sealed, -1), CONTEXT),
      () => sealer.open(sealed, { ...CONTEXT, rowId: "other" }),
      () => createSealer([NEW_SECRET]).open(sealed, CONTEXT),
      () => sealer.open("garbage", CONTEXT),
    ];
    for (const fail of cases) {
      const err = thrown(fail) as Error;
      expect(err).toMatchObject({ code: "unseal_failed" });
      for (const leak of [OLD_SECRET, NEW_SECRET, "JBSWY3DPEHPK3PXP"]) expect(err.message).not.toContain(leak);
    }
  });

  describe("rotation", () => {
    const oldSealer = createSealer([OLD_SECRET]);
    const rotated = createSealer([NEW_SECRET, OLD_SECRET]);

    it("opens values sealed under the old first secret after a new secret is put first", () => {
      const sealed = oldSealer.seal("seed", CONTEXT);
      expect(rotated.open(sealed, CONTEXT)).toBe("seed");
    });

    it("seals new values under the new first secret's key id", () => {
      const sealed = rotated.seal("seed", CONTEXT);
      expect(keyIdOf(sealed)).toBe(expectedKeyId(NEW_SECRET));
      expect(keyIdOf(sealed)).not.toBe(expectedKeyId(OLD_SECRET));
      expect(rotated.open(sealed, CONTEXT)).toBe("seed");
    });

    it("refuses new values in a sealer that only has the old secret", () => {
      expectUnsealFailed(() => oldSealer.open(rotated.seal("seed", CONTEXT), CONTEXT));
    });

    it("opens values regardless of the order or number of configured secrets", () => {
      const sealed = rotated.seal("seed", CONTEXT);
      const third = "third-secret-0123456789abcdef0123456789";
      expect(createSealer([OLD_SECRET, NEW_SECRET]).open(sealed, CONTEXT)).toBe("seed");
      expect(createSealer([third, OLD_SECRET, NEW_SECRET]).open(sealed, CONTEXT)).toBe("seed");
    });
  });

  describe("construction", () => {
    it("requires at least one secret", () => {
      expect(thrown(() => createSealer([]))).toMatchObject({ name: "ValidationError", code: "invalid_config" });
    });

    it("requires every secret to have at least 32 characters, naming its position but not its value", () => {
      const short = "too-short-secret-31-characters!";
      expect(short).toHaveLength(31);
      const err = thrown(() => createSealer([OLD_SECRET, short])) as Error;
      expect(err).toMatchObject({ name: "ValidationError", code: "invalid_config" });
      expect(err.message).toContain("secrets[1]");
      expect(err.message).not.toContain(short);
      expect(thrown(() => createSealer([""]))).toMatchObject({ code: "invalid_config" });
    });

    it("accepts a secret of exactly 32 characters", () => {
      const sealer32 = createSealer(["s".repeat(32)]);
      expect(sealer32.open(sealer32.seal("seed", CONTEXT), CONTEXT)).toBe("seed");
    });

    it("rejects a secret that is not a string", () => {
      const secrets = [OLD_SECRET, 42] as unknown as string[];
      expect(thrown(() => createSealer(secrets))).toMatchObject({ code: "invalid_config" });
    });

    it("does not modify the secrets array it is given", () => {
      const secrets = Object.freeze([NEW_SECRET, OLD_SECRET, NEW_SECRET]);
      const repeated = createSealer(secrets);
      expect(secrets).toEqual([NEW_SECRET, OLD_SECRET, NEW_SECRET]);
      expect(keyIdOf(repeated.seal("seed", CONTEXT))).toBe(expectedKeyId(NEW_SECRET));
    });
  });

  describe("context", () => {
    it("rejects a table containing '.', a column containing ':' or an empty row id with a TypeError", () => {
      const sealed = sealer.seal("seed", CONTEXT);
      for (const context of [
        { ...CONTEXT, table: "public.authsome_mfa_factors" },
        { ...CONTEXT, column: "secret:v2" },
        { ...CONTEXT, rowId: "" },
        { ...CONTEXT, table: "" },
      ]) {
        expect(() => sealer.seal("seed", context)).toThrow(TypeError);
        expect(() => sealer.open(sealed, context)).toThrow(TypeError);
      }
    });
  });
});
