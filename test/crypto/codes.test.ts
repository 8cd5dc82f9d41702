import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createCodeHasher } from "../../src/crypto/codes.js";
import { deriveKey } from "../../src/crypto/sealing.js";

const a = "a".repeat(32);
const b = "b".repeat(32);

describe("createCodeHasher", () => {
  it("stores `v<keyId>.<hex HMAC-SHA-256>` under an HKDF-derived key, never the code", () => {
    const stored = createCodeHasher([a]).hash("email-code", "ausr_1", "123456");
    expect(stored).toMatch(/^v[0-9a-f]{8}\.[0-9a-f]{64}$/);
    expect(stored).not.toContain("123456");
    // Recomputed from the definition: HMAC-SHA-256(HKDF(secret), length-prefixed purpose|subject|code).
    const key = deriveKey(a, "authsome/code", "hmac-sha-256 code key v1", 32);
    const expected = createHmac("sha256", key).update("10:email-code|6:ausr_1|123456").digest("hex");
    expect(stored.split(".")[1]).toBe(expected);
  });

  it("verifies the right code for the same purpose and subject only", () => {
    const codes = createCodeHasher([a]);
    const stored = codes.hash("email-code", "ausr_1", "123456");
    expect(codes.verify(stored, "email-code", "ausr_1", "123456")).toBe(true);
    expect(codes.verify(stored, "email-code", "ausr_1", "123457")).toBe(false);
    expect(codes.verify(stored, "email-code", "ausr_2", "123456")).toBe(false);
    expect(codes.verify(stored, "recovery-code", "ausr_1", "123456")).toBe(false);
    expect(codes.verify(`${stored.slice(0, -1)}0`, "email-code", "ausr_1", "123456")).toBe(stored.endsWith("0"));
    expect(codes.verify("not a stored code", "email-code", "ausr_1", "123456")).toBe(false);
  });

  it("keeps purpose and subject apart: (a, b:c) and (a:b, c) differ", () => {
    const codes = createCodeHasher([a]);
    expect(codes.hash("a", "b:c", "1")).not.toBe(codes.hash("a:b", "c", "1"));
  });

  it("rotates: the first secret makes new values, every configured secret verifies", () => {
    const before = createCodeHasher([a]).hash("email-code", "u", "000111");
    const rotated = createCodeHasher([b, a]);
    expect(rotated.verify(before, "email-code", "u", "000111")).toBe(true);
    expect(rotated.hash("email-code", "u", "000111")).not.toBe(before);
    expect(createCodeHasher([b]).verify(before, "email-code", "u", "000111")).toBe(false);
  });

  it("refuses to run without a usable secret", () => {
    expect(() => createCodeHasher([])).toThrow(expect.objectContaining({ code: "invalid_config" }));
    expect(() => createCodeHasher(["short"])).toThrow(expect.objectContaining({ code: "invalid_config" }));
  });
});
