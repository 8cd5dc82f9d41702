import { describe, expect, it } from "vitest";
import { type AuthsomeConfig, resolveConfig } from "../../src/engine/config.js";

const secret = "s".repeat(32);

describe("resolveConfig", () => {
  it("fills the contract's defaults", () => {
    const config = resolveConfig({ secret });
    expect(config).toMatchObject({
      appId: "default",
      basePath: "/authsome",
      appUrl: null,
      session: { tokenTtlSeconds: 3_600, refreshTokenTtlSeconds: 2_592_000, refreshReuseGraceSeconds: 10 },
      trustedOrigins: [],
      trustProxy: false,
      secrets: [secret],
      requireEmailVerification: false,
      password: { minLength: 8, maxLength: 128 },
      lockout: { maxAttempts: 5, windowSeconds: 900, durationSeconds: 900 },
      rateLimits: { windowSeconds: 60, limits: { signIn: 30, signUp: 10, forgotPassword: 10, verifyEmail: 30, refresh: 60, mfaChallenge: 30 } },
    });
  });

  it("reads the seed's settings: app id, base path, token TTLs as durations", () => {
    const config = resolveConfig({ secret, appId: "myapp", basePath: "/v1/auth/", session: { tokenTTL: "1h", refreshTokenTTL: "30d" } });
    expect(config.appId).toBe("myapp");
    expect(config.basePath).toBe("/v1/auth");
    expect(config.session.refreshTokenTtlSeconds).toBe(30 * 86_400);
  });

  it("normalises origins and accepts a list of secrets for rotation", () => {
    const config = resolveConfig({
      secret: [secret, "t".repeat(40)],
      appUrl: "https://app.example.com/some/path",
      trustedOrigins: ["https://admin.example.com/"],
    });
    expect(config.appUrl).toBe("https://app.example.com");
    expect(config.trustedOrigins).toEqual(["https://admin.example.com"]);
    expect(config.secrets).toHaveLength(2);
  });

  it("turns limits off individually or altogether", () => {
    expect(resolveConfig({ secret, rateLimits: false, lockout: false })).toMatchObject({ rateLimits: false, lockout: false });
    const some = resolveConfig({ secret, rateLimits: { signIn: false, signUp: 3, window: "2m" } });
    expect(some.rateLimits).toMatchObject({ windowSeconds: 120, limits: { signIn: false, signUp: 3, refresh: 60 } });
  });

  it("tolerates a missing secret only in development", () => {
    expect(resolveConfig({ development: true }).secrets).toEqual([]);
  });

  it("does not mutate its input", () => {
    const input: AuthsomeConfig = { secret, trustedOrigins: ["https://a.example.com/"], session: { tokenTTL: "2h" } };
    const copy = structuredClone(input);
    resolveConfig(input);
    expect(input).toEqual(copy);
  });

  it.each([
    [{}, "config.secret"],
    [{ secret: "short" }, "config.secret[0]"],
    [{ secret, appId: "My App" }, "config.appId"],
    [{ secret, basePath: "auth" }, "config.basePath"],
    [{ secret, appUrl: "ftp://example.com" }, "config.appUrl"],
    [{ secret, trustedOrigins: ["not a url"] }, "config.trustedOrigins[0]"],
    [{ secret, session: { tokenTTL: "forever" } }, "config.session.tokenTTL"],
    [{ secret, password: { minLength: 20, maxLength: 10 } }, "config.password.minLength"],
    [{ secret, rateLimits: { signIn: 0 } }, "config.rateLimits.signIn"],
    [{ secret, lockout: { maxAttempts: -1 } }, "config.lockout.maxAttempts"],
  ] as Array<[AuthsomeConfig, string]>)("rejects %j with a message naming %s", (input, field) => {
    let error: unknown;
    try {
      resolveConfig(input);
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: "invalid_config", details: { field } });
    expect((error as Error).message).toContain(field);
    expect((error as Error).message).not.toContain("short"); // a bad secret is never echoed
  });
});
