import { describe, expect, it } from "vitest";
import { type AuthsomeConfig, resolveConfig } from "../../src/engine/config.js";

const secret = "s".repeat(32);
const appUrl = "https://app.example.com";

describe("resolveConfig", () => {
  it("fills the contract's defaults", () => {
    const config = resolveConfig({ secret, appUrl });
    expect(config).toMatchObject({
      appId: "default",
      basePath: "/authsome",
      appUrl,
      appOrigin: appUrl,
      session: { tokenTtlSeconds: 3_600, refreshTokenTtlSeconds: 2_592_000, refreshReuseGraceSeconds: 10 },
      trustedOrigins: [],
      trustProxy: { enabled: false },
      sendVerificationOnSignUp: true,
      mailPerRecipient: { limit: 5, windowSeconds: 900 },
      secrets: [secret],
      requireEmailVerification: false,
      password: { minLength: 8, maxLength: 128 },
      lockout: { maxAttempts: 5, windowSeconds: 900, durationSeconds: 900, trustedDevices: true },
      // Only overrides: each limit's default is declared by its owner (the engine or a plugin).
      rateLimits: { windowSeconds: 60, limits: {} },
    });
  });

  it("reads the seed's settings: app id, base path, token TTLs as durations", () => {
    const config = resolveConfig({ secret, appUrl, appId: "myapp", basePath: "/v1/auth/", session: { tokenTTL: "1h", refreshTokenTTL: "30d" } });
    expect(config.appId).toBe("myapp");
    expect(config.basePath).toBe("/v1/auth");
    expect(config.session.refreshTokenTtlSeconds).toBe(30 * 86_400);
  });

  it("keeps appUrl's path (apps under a sub-path), normalises origins and accepts a list of secrets for rotation", () => {
    const config = resolveConfig({
      secret: [secret, "t".repeat(40)],
      appUrl: "https://app.example.com/some/path/",
      trustedOrigins: ["https://admin.example.com/"],
    });
    expect(config.appUrl).toBe("https://app.example.com/some/path");
    expect(config.appOrigin).toBe("https://app.example.com");
    expect(config.trustedOrigins).toEqual(["https://admin.example.com"]);
    expect(config.secrets).toHaveLength(2);
  });

  it("turns limits off individually or altogether", () => {
    expect(resolveConfig({ secret, appUrl, rateLimits: false, lockout: false })).toMatchObject({ rateLimits: false, mailPerRecipient: false, lockout: false });
    const some = resolveConfig({ secret, appUrl, rateLimits: { signIn: false, signUp: 3, window: "2m", mailPerRecipient: 2, mailPerRecipientWindow: "1h" } });
    expect(some.rateLimits).toEqual({ windowSeconds: 120, limits: { signIn: false, signUp: 3 } });
    expect(some.mailPerRecipient).toEqual({ limit: 2, windowSeconds: 3600 });
    expect(resolveConfig({ secret, appUrl, rateLimits: { mailPerRecipient: false } }).mailPerRecipient).toBe(false);
  });

  it("tolerates a missing secret and a missing appUrl only in development", () => {
    expect(resolveConfig({ development: true })).toMatchObject({ secrets: [], appUrl: null, appOrigin: null });
  });

  it("requires appUrl outside development, naming it", () => {
    expect(() => resolveConfig({ secret })).toThrow(expect.objectContaining({ code: "invalid_config", details: { field: "config.appUrl" } }));
  });

  it("reads trustProxy as a hop count or a list of proxies, and `true` as 1 with a deprecation", () => {
    const legacy = resolveConfig({ secret, appUrl, trustProxy: true });
    expect(legacy.trustProxy.isTrusted("203.0.113.9", 0)).toBe(true);
    expect(legacy.trustProxy.isTrusted("203.0.113.9", 1)).toBe(false);
    expect(legacy.deprecations).toEqual([expect.stringContaining("config.trustProxy: true is deprecated")]);
    const listed = resolveConfig({ secret, appUrl, trustProxy: ["10.0.0.0/8", "loopback"] });
    expect([listed.trustProxy.isTrusted("10.1.2.3", 5), listed.trustProxy.isTrusted("::ffff:127.0.0.1", 0), listed.trustProxy.isTrusted("11.0.0.1", 0)]).toEqual([true, true, false]);
    expect(listed.deprecations).toEqual([]);
    expect(resolveConfig({ secret, appUrl, trustProxy: 0 }).trustProxy.enabled).toBe(false);
  });

  it("does not mutate its input", () => {
    const input: AuthsomeConfig = { secret, appUrl, trustedOrigins: ["https://a.example.com/"], session: { tokenTTL: "2h" } };
    const copy = structuredClone(input);
    resolveConfig(input);
    expect(input).toEqual(copy);
  });

  it.each([
    [{ appUrl }, "config.secret"],
    [{ secret: "short", appUrl }, "config.secret[0]"],
    [{ secret, appUrl, appId: "My App" }, "config.appId"],
    [{ secret, appUrl, basePath: "auth" }, "config.basePath"],
    [{ secret, appUrl: "ftp://example.com" }, "config.appUrl"],
    [{ secret, appUrl: "https://app.example.com/?next=/" }, "config.appUrl"],
    [{ secret }, "config.appUrl"],
    [{ secret, appUrl, trustedOrigins: ["not a url"] }, "config.trustedOrigins[0]"],
    [{ secret, appUrl, trustProxy: ["10.0.0.0/33"] }, "config.trustProxy"],
    [{ secret, appUrl, trustProxy: -1 }, "config.trustProxy"],
    [{ secret, appUrl, session: { tokenTTL: "forever" } }, "config.session.tokenTTL"],
    [{ secret, appUrl, password: { minLength: 20, maxLength: 10 } }, "config.password.minLength"],
    [{ secret, appUrl, rateLimits: { signIn: 0 } }, "config.rateLimits.signIn"],
    [{ secret, appUrl, rateLimits: { mailPerRecipient: 0 } }, "config.rateLimits.mailPerRecipient"],
    [{ secret, appUrl, lockout: { maxAttempts: -1 } }, "config.lockout.maxAttempts"],
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
