import { describe, expect, it } from "vitest";
import { clientAddress, normalizeIp, resolveProxyTrust } from "../../src/engine/proxy-trust.js";
import { rateLimitSubject } from "../../src/engine/services/protection.js";

describe("normalizeIp", () => {
  it.each([
    ["::ffff:127.0.0.1", "127.0.0.1"],
    ["::FFFF:203.0.113.5", "203.0.113.5"],
    [" 198.51.100.1 ", "198.51.100.1"],
    ["198.51.100.1:8443", "198.51.100.1"],
    ["[2001:DB8::1]", "2001:db8::1"],
    ["[2001:db8::1]:443", "2001:db8::1"],
    ["2001:DB8::1", "2001:db8::1"],
  ])("normalises %s to %s", (input, output) => expect(normalizeIp(input)).toBe(output));

  it.each(["", "unknown", "<script>", "999.1.1.1", "1.2.3", "example.com", "1.2.3.4, 5.6.7.8"])("refuses %j", (input) =>
    expect(normalizeIp(input)).toBeNull(),
  );
});

describe("clientAddress", () => {
  const one = resolveProxyTrust(1);
  const two = resolveProxyTrust(2);
  const listed = resolveProxyTrust(["10.0.0.0/8", "loopback"]);

  it("ignores X-Forwarded-For without trust", () => {
    expect(clientAddress("::ffff:192.0.2.1", "198.51.100.7", resolveProxyTrust(false))).toBe("192.0.2.1");
  });

  it("takes the hop the last trusted proxy appended (Express's trust proxy semantics)", () => {
    expect(clientAddress("10.0.0.1", "1.1.1.1, 2.2.2.2, 3.3.3.3", one)).toBe("3.3.3.3");
    expect(clientAddress("10.0.0.1", "1.1.1.1, 2.2.2.2, 3.3.3.3", two)).toBe("2.2.2.2");
    expect(clientAddress("10.0.0.1", "1.1.1.1, 10.9.9.9, 10.0.0.2", listed)).toBe("1.1.1.1");
    expect(clientAddress("127.0.0.1", "203.0.113.1, 10.0.0.2", listed)).toBe("203.0.113.1");
  });

  it("believes nothing a peer that is not a trusted proxy forwarded", () => {
    expect(clientAddress("192.0.2.50", "1.1.1.1", listed)).toBe("192.0.2.50");
  });

  it("uses the socket address when the hop that would decide is not an IP", () => {
    expect(clientAddress("10.0.0.1", "1.1.1.1, bogus", one)).toBe("10.0.0.1");
    expect(clientAddress("10.0.0.1", "bogus, 10.0.0.7", listed)).toBe("10.0.0.1");
  });

  it("answers the leftmost hop when every hop is a trusted proxy", () => {
    expect(clientAddress("10.0.0.1", "10.0.0.3, 10.0.0.2", listed)).toBe("10.0.0.3");
  });
});

describe("resolveProxyTrust", () => {
  it("reads comma-separated strings, names and single addresses", () => {
    const trust = resolveProxyTrust("uniquelocal, 203.0.113.7");
    expect([trust.isTrusted("192.168.1.1", 0), trust.isTrusted("203.0.113.7", 3), trust.isTrusted("203.0.113.8", 0)]).toEqual([true, true, false]);
    expect(resolveProxyTrust("linklocal").isTrusted("fe80::1", 0)).toBe(true);
  });

  it.each([["10.0.0.0/40"], ["nonsense"], ["1.2.3.4/8/1"]])("refuses %j", (entry) => expect(() => resolveProxyTrust([entry])).toThrow(entry));
});

describe("rateLimitSubject", () => {
  it("counts IPv4 by address and IPv6 by its /64, whatever the spelling", () => {
    expect(rateLimitSubject("203.0.113.7")).toBe("203.0.113.7");
    expect(rateLimitSubject("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(rateLimitSubject("2001:0db8:0001:0002:ffff:ffff:ffff:ffff")).toBe("2001:db8:1:2::/64");
    expect(rateLimitSubject("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(rateLimitSubject("::1")).toBe("0:0:0:0::/64");
  });
});
