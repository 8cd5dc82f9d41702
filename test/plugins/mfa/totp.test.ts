// The verifier against RFC 6238 Appendix B (SHA-1, T0 = 0, X = 30 s, 8 digits; seed "12345678901234567890") with an
// injected clock, and the codes an authenticator app (otpauth) makes from our key URI.
import * as OTPAuth from "otpauth";
import { describe, expect, it } from "vitest";
import { hashRecoveryCode, matchRecoveryCode, newRecoveryCodes, normalizeRecoveryCode } from "../../../src/plugins/mfa/recovery-codes.js";
import { acceptedStep, newTotpSecret, otpauthUrl } from "../../../src/plugins/mfa/totp.js";
import { createCodeHasher } from "../../../src/crypto/codes.js";

const rfcSeed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // base32 of the ASCII "12345678901234567890"
const vectors: Array<[seconds: number, code: string]> = [
  [59, "94287082"],
  [1111111109, "07081804"],
  [1111111111, "14050471"],
  [1234567890, "89005924"],
  [2000000000, "69279037"],
  [20000000000, "65353130"],
];

describe("the TOTP verifier", () => {
  it.each(vectors)("accepts RFC 6238's SHA-1 vector at %i s (%s) for its own step", (seconds, code) => {
    const at = new Date(seconds * 1000);
    expect(acceptedStep(rfcSeed, code, at, { digits: 8 })).toBe(Math.floor(seconds / 30));
  });

  it("accepts one step of drift either way and answers the step the code belongs to, not the clock's", () => {
    const at = new Date(1111111111 * 1000);
    const step = Math.floor(1111111111 / 30);
    expect(acceptedStep(rfcSeed, "07081804", at, { digits: 8 })).toBe(Math.floor(1111111109 / 30)); // same step here
    const previous = new Date((step - 1) * 30_000 + 5_000);
    const app = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(rfcSeed), digits: 6, period: 30, algorithm: "SHA1" });
    const codeOfPrevious = app.generate({ timestamp: previous.getTime() });
    expect(acceptedStep(rfcSeed, codeOfPrevious, at)).toBe(step - 1);
    const codeOfNext = app.generate({ timestamp: (step + 1) * 30_000 });
    expect(acceptedStep(rfcSeed, codeOfNext, at)).toBe(step + 1);
  });

  it("refuses a code two steps away, a wrong code and anything that is not the right number of digits", () => {
    const at = new Date(2000000000 * 1000);
    const app = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(rfcSeed), digits: 6, period: 30, algorithm: "SHA1" });
    expect(acceptedStep(rfcSeed, app.generate({ timestamp: at.getTime() - 60_000 }), at)).toBeNull();
    expect(acceptedStep(rfcSeed, app.generate({ timestamp: at.getTime() + 60_000 }), at)).toBeNull();
    const right = app.generate({ timestamp: at.getTime() });
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, "0");
    expect(acceptedStep(rfcSeed, wrong, at)).toBeNull();
    for (const bad of ["", "12345", "1234567", "12a456", " 123456", "69279037"]) expect(acceptedStep(rfcSeed, bad, at)).toBeNull();
    // otpauth itself answers null (never false) outside the window: the verifier relies on that.
    expect(app.validate({ token: app.generate({ timestamp: at.getTime() + 60_000 }), timestamp: at.getTime(), window: 1 })).toBeNull();
  });

  it("makes 160-bit seeds and a key URI an authenticator app reads back exactly", () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(newTotpSecret()).not.toBe(secret);
    const url = otpauthUrl("Acme: Cloud", "ada@example.com", secret);
    // A colon would end the label's issuer part early: it is dropped there, and kept in the issuer parameter.
    expect(url).toBe(`otpauth://totp/Acme%20Cloud:ada%40example.com?secret=${secret}&issuer=Acme%3A%20Cloud&algorithm=SHA1&digits=6&period=30`);
    const app = OTPAuth.URI.parse(url) as OTPAuth.TOTP;
    expect(app).toBeInstanceOf(OTPAuth.TOTP);
    expect({ issuer: app.issuer, label: app.label, secret: app.secret.base32, algorithm: app.algorithm, digits: app.digits, period: app.period }).toEqual({
      issuer: "Acme: Cloud",
      label: "ada@example.com",
      secret,
      algorithm: "SHA1",
      digits: 6,
      period: 30,
    });
    const at = new Date();
    expect(acceptedStep(secret, app.generate({ timestamp: at.getTime() }), at)).toBe(Math.floor(at.getTime() / 30_000));
  });
});

describe("recovery codes", () => {
  const codes = createCodeHasher(["a".repeat(32)]);

  it("are ten distinct xxxxx-xxxxx codes from an alphabet without look-alikes", () => {
    const set = newRecoveryCodes();
    expect(set).toHaveLength(10);
    expect(new Set(set).size).toBe(10);
    for (const code of set) expect(code).toMatch(/^[2-9a-hjkmnp-z]{5}-[2-9a-hjkmnp-z]{5}$/);
  });

  it("match as typed (case, dashes and spaces aside), only their own user's, in a keyed hash", () => {
    const [code = ""] = newRecoveryCodes();
    const stored = [{ id: "one", hash: hashRecoveryCode(codes, "user_1", code) }];
    expect(stored[0]?.hash).toMatch(/^v[0-9a-f]{8}\.[0-9a-f]{64}$/);
    expect(stored[0]?.hash).not.toContain(code.replace("-", ""));
    expect(matchRecoveryCode(codes, "user_1", code, stored)).toBe("one");
    expect(matchRecoveryCode(codes, "user_1", ` ${code.toUpperCase().replace("-", " ")} `, stored)).toBe("one");
    expect(matchRecoveryCode(codes, "user_2", code, stored)).toBeNull();
    expect(matchRecoveryCode(createCodeHasher(["b".repeat(32)]), "user_1", code, stored)).toBeNull();
    expect(matchRecoveryCode(codes, "user_1", "", stored)).toBeNull();
    expect(normalizeRecoveryCode("0o1il-xxxxx")).toBeNull();
  });
});
