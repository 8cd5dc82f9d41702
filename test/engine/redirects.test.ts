// `redirect_to` as a browser will follow it: relative paths stay on the site after dot segments and escapes are
// resolved, absolute URLs must be on a trusted origin, and what is returned is the normalised form.
import { describe, expect, it } from "vitest";
import { createRedirects } from "../../src/engine/redirects.js";

const redirects = createRedirects({ appUrl: "https://app.example.com/portal", appOrigin: "https://app.example.com", trustedOrigins: ["https://admin.example.com"] });
const refusal = (value: string, also?: string) => {
  try {
    redirects.check(value, also ? { also } : {});
    return null;
  } catch (error) {
    return (error as { code: string }).code;
  }
};

describe("redirects.check", () => {
  it.each([
    ["/dashboard?tab=1#top", "/dashboard?tab=1#top"],
    ["/a/../b", "/b"],
    ["/%2e%2e/b", "/b"],
    ["https://app.example.com/x", "https://app.example.com/x"],
    ["https:app.example.com/x", "https://app.example.com/x"],
    ["https://admin.example.com", "https://admin.example.com/"],
  ])("accepts %s as %s", (value, normalised) => {
    expect(redirects.check(value)).toBe(normalised);
  });

  it.each([
    "//evil.example",
    "/..//evil.example",
    "/.//evil.example",
    "/%2e%2e//evil.example",
    "/x/..//evil.example",
    "/\\evil.example",
    "/\t/evil.example",
    " //evil.example",
    "javascript:alert(1)",
    "data:text/html,x",
    "https://evil.example/",
    "https://app.example.com.evil.example/",
    "https://user:pw@app.example.com/",
    "http://app.example.com/",
    "evil.example",
    "",
    `/${"a".repeat(2048)}`,
  ])("refuses %j with invalid_redirect", (value) => {
    expect(refusal(value)).toBe("invalid_redirect");
  });

  it("accepts the `also` origin (development's own loopback origin), and names the field it refused", () => {
    expect(refusal("http://localhost:5173/x")).toBe("invalid_redirect");
    expect(refusal("http://localhost:5173/x", "http://localhost:5173")).toBeNull();
    try {
      redirects.check("//x", { field: "next" });
    } catch (error) {
      expect(error).toMatchObject({ details: { fields: { next: expect.any(String) } } });
    }
  });
});

describe("redirects.resolve", () => {
  it("sends a relative target to appUrl's origin and nothing to appUrl itself", () => {
    expect(redirects.resolve("/dashboard")).toBe("https://app.example.com/dashboard");
    expect(redirects.resolve("https://admin.example.com/")).toBe("https://admin.example.com/");
    expect(redirects.resolve(null)).toBe("https://app.example.com/portal");
    expect(createRedirects({ appUrl: null, appOrigin: null, trustedOrigins: [] }).resolve(undefined)).toBe("/");
  });
});
