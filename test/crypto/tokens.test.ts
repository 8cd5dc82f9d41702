import { describe, expect, it } from "vitest";
import { defaultRandomSource, generateNumericCode, generateToken, hashToken, isEqualHash, type RandomSource } from "../../src/crypto/tokens.js";
import { thrown } from "../support/errors.js";

/** A source that hands out `draws` in order and records each requested size. */
function scriptedSource(...draws: number[][]): RandomSource & { sizes: number[] } {
  const sizes: number[] = [];
  const source = (size: number): Uint8Array => {
    sizes.push(size);
    const next = draws.shift();
    if (!next) throw new Error("scripted source exhausted");
    return Uint8Array.from(next);
  };
  return Object.assign(source, { sizes });
}


describe("generateToken", () => {
  it("returns the prefix followed by 43 base64url characters (256 bits)", () => {
    for (const prefix of ["as_", "ar_", "ev_", "pr_"]) {
      expect(generateToken(prefix)).toMatch(new RegExp(`^${prefix}[A-Za-z0-9_-]{43}$`));
    }
  });

  it("accepts prefixes of one to eight lowercase letters and an underscore", () => {
    expect(generateToken("a_")).toMatch(/^a_[A-Za-z0-9_-]{43}$/);
    expect(generateToken("abcdefgh_")).toMatch(/^abcdefgh_[A-Za-z0-9_-]{43}$/);
  });

  it("accepts a second segment, as in publishable keys (pk_live_)", () => {
    expect(generateToken("pk_live_")).toMatch(/^pk_live_[A-Za-z0-9_-]{43}$/);
  });

  it("rejects any other prefix with a TypeError", () => {
    for (const prefix of ["", "_", "as", "AS_", "as-", "a1_", "as__", "abcdefghi_", " as_", "pk_live", "a_b_c_", "pk_abcdefghi_"]) {
      expect(() => generateToken(prefix), prefix).toThrow(TypeError);
    }
  });

  it("draws 32 bytes from the injected source and encodes them as base64url", () => {
    const source = scriptedSource(Array.from({ length: 32 }, (_, i) => i));
    expect(generateToken("as_", source)).toBe("as_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8");
    expect(source.sizes).toEqual([32]);
  });

  it("is deterministic for a given random source", () => {
    const bytes = Array.from({ length: 32 }, (_, i) => (i * 37 + 11) % 256);
    expect(generateToken("ar_", scriptedSource(bytes))).toBe(generateToken("ar_", scriptedSource(bytes)));
  });

  it("rejects a random source that returns fewer than 32 bytes", () => {
    expect(() => generateToken("as_", scriptedSource(new Array(31).fill(0)))).toThrow(TypeError);
  });

  it("hands out pooled randomness once: exact sizes, across refills, copies that later draws never touch", () => {
    const first = defaultRandomSource(32);
    const kept = Buffer.from(first);
    const seen = new Set<string>();
    let bytes = 0;
    for (const size of [1, 7, 32, 33, 64, 100, 1024, 2048, 5000]) {
      for (let i = 0; i < 40; i++) {
        const draw = defaultRandomSource(size);
        expect(draw.length).toBe(size);
        bytes += size;
        if (size >= 32) seen.add(Buffer.from(draw).toString("hex"));
      }
    }
    expect(bytes).toBeGreaterThan(4096 * 10); // many pool refills
    expect(seen.size).toBe(40 * 7); // no draw of 32+ bytes was ever handed out twice
    expect(Buffer.from(first).equals(kept)).toBe(true);
    expect(kept.some((b) => b !== 0)).toBe(true);
  });

  it("produces 1,000 distinct tokens from the default source", () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => generateToken("as_")));
    expect(tokens.size).toBe(1000);
  });
});

describe("hashToken", () => {
  it("matches the FIPS 180-2 SHA-256 vectors", () => {
    expect(hashToken("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(hashToken("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("hashes the token's UTF-8 bytes into 64 lowercase hex characters", () => {
    expect(hashToken(generateToken("as_"))).toMatch(/^[0-9a-f]{64}$/);
    // Expected values from coreutils: printf '\xc3\xa9' | sha256sum
    expect(hashToken("\u00e9")).toBe("4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c");
    expect(hashToken("as_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8")).toBe(
      "6087099bfd53a95324ed5d81c6254a842f5e6021f83e0376cfaf71fbcbc73133",
    );
  });
});

describe("isEqualHash", () => {
  const hash = hashToken("as_token");

  it("returns true for equal hashes", () => {
    expect(isEqualHash(hash, hashToken("as_token"))).toBe(true);
  });

  it("returns false for hashes of the same length that differ", () => {
    const lastFlipped = hash.slice(0, -1) + (hash.endsWith("0") ? "1" : "0");
    expect(isEqualHash(hash, lastFlipped)).toBe(false);
    expect(isEqualHash(hash, hashToken("as_other"))).toBe(false);
  });

  it("returns false without throwing for different lengths", () => {
    expect(isEqualHash(hash, hash.slice(0, -1))).toBe(false);
    expect(isEqualHash(hash, `${hash}0`)).toBe(false);
    expect(isEqualHash("", hash)).toBe(false);
  });
});

describe("generateNumericCode", () => {
  it("returns six decimal digits by default", () => {
    expect(generateNumericCode()).toMatch(/^\d{6}$/);
  });

  it("keeps leading zeros", () => {
    const source = scriptedSource([0x00, 0x00, 0x07]);
    expect(generateNumericCode(6, source)).toBe("000007");
    expect(source.sizes).toEqual([3]);
  });

  it("redraws a value at or above 10^digits instead of reducing it modulo 10^digits", () => {
    // 0x0fffff = 1,048,575 is out of range; `% 1e6` would have produced "048575".
    const source = scriptedSource([0x0f, 0xff, 0xff], [0x0f, 0x42, 0x3f]);
    expect(generateNumericCode(6, source)).toBe("999999");
    expect(source.sizes).toEqual([3, 3]);
  });

  it("ignores the bits above the smallest power of two that covers the range", () => {
    // 6 digits need 20 bits, so the top nibble of the first byte is dropped: 0xf0002a → 0x0002a = 42.
    expect(generateNumericCode(6, scriptedSource([0xf0, 0x00, 0x2a]))).toBe("000042");
  });

  it("supports ten-digit codes, which need more than 32 bits", () => {
    // 9,999,999,999 = 0x2540be3ff in the low 34 bits of five bytes; the 0xfc bits of the first byte are dropped.
    const source = scriptedSource([0xfe, 0x54, 0x0b, 0xe3, 0xff]);
    expect(generateNumericCode(10, source)).toBe("9999999999");
    expect(source.sizes).toEqual([5]);
  });

  it("draws two bytes for four-digit codes", () => {
    const source = scriptedSource([0x00, 0x2a]);
    expect(generateNumericCode(4, source)).toBe("0042");
    expect(source.sizes).toEqual([2]);
  });

  it("rejects lengths outside 4 to 10 digits with a TypeError", () => {
    for (const digits of [3, 11, 0, -6, 4.5, Number.NaN]) {
      expect(() => generateNumericCode(digits), String(digits)).toThrow(TypeError);
    }
  });

  it("fails with internal_error when the source keeps returning out-of-range values", () => {
    const stuck: RandomSource = (size) => new Uint8Array(size).fill(0xff);
    expect(thrown(() => generateNumericCode(6, stuck))).toMatchObject({ name: "AuthsomeError", code: "internal_error" });
  });

  it("spreads digits evenly: over 20,000 four-digit codes each digit appears 1,700–2,300 times in every position", () => {
    const counts = Array.from({ length: 4 }, () => new Array<number>(10).fill(0));
    for (let i = 0; i < 20_000; i++) {
      const code = generateNumericCode(4);
      for (let position = 0; position < 4; position++) {
        const row = counts[position] as number[];
        const digit = Number(code[position]);
        row[digit] = (row[digit] as number) + 1;
      }
    }
    for (const row of counts) {
      for (const count of row) {
        expect(count).toBeGreaterThanOrEqual(1_700);
        expect(count).toBeLessThanOrEqual(2_300);
      }
    }
  });
});
