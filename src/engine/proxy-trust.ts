import { BlockList, isIP } from "node:net";

/**
 * Which peers are proxies of the deployment's own, as Express's `trust proxy`: a number of hops in front of the
 * server, or a list of proxy addresses and CIDRs (`"10.0.0.0/8"`, `"::1"`, and the names `loopback`, `linklocal`,
 * `uniquelocal`). Only what a trusted proxy wrote into `X-Forwarded-*` is believed.
 */
export type TrustProxySetting = boolean | number | string | readonly string[];

/** The resolved setting: does the `index`-th address from the server (0 = the socket peer) belong to a trusted proxy? */
export interface ProxyTrust {
  readonly enabled: boolean;
  isTrusted(address: string, index: number): boolean;
}

const namedRanges: Record<string, readonly string[]> = {
  loopback: ["127.0.0.0/8", "::1/128"],
  linklocal: ["169.254.0.0/16", "fe80::/10"],
  uniquelocal: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
};

export const noProxy: ProxyTrust = { enabled: false, isTrusted: () => false };

/**
 * An IP address in its canonical form for counting and storing: IPv4-mapped IPv6 (`::ffff:127.0.0.1`) becomes IPv4,
 * so a dual-stack and an IPv4 listener count one client once; IPv6 is lower-cased. Null when it is not an IP.
 */
export function normalizeIp(value: string | undefined): string | null {
  if (!value) return null;
  let ip = value.trim();
  // `[::1]` and `[::1]:443` as some proxies write them, and IPv4 with a port.
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(ip);
  if (bracketed) ip = bracketed[1] as string;
  else if (/^\d{1,3}(?:\.\d{1,3}){3}:\d+$/.test(ip)) ip = ip.slice(0, ip.lastIndexOf(":"));
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) ip = mapped[1] as string;
  const family = isIP(ip);
  if (family === 0) return null;
  return family === 6 ? ip.toLowerCase() : ip;
}

/**
 * @throws Error with a message naming the bad entry (the caller adds the field name).
 */
export function resolveProxyTrust(setting: TrustProxySetting | undefined): ProxyTrust {
  if (setting === undefined || setting === false) return noProxy;
  if (setting === true) return hopTrust(1);
  if (typeof setting === "number") {
    if (!Number.isSafeInteger(setting) || setting < 0) throw new Error("must be a whole number of proxy hops, a list of addresses/CIDRs, or false");
    return setting === 0 ? noProxy : hopTrust(setting);
  }
  const entries = (typeof setting === "string" ? setting.split(",") : [...setting]).map((s) => String(s).trim()).filter(Boolean);
  if (entries.length === 0) return noProxy;
  const list = new BlockList();
  for (const entry of entries) addEntry(list, entry);
  return { enabled: true, isTrusted: (address) => matches(list, address) };
}

function hopTrust(hops: number): ProxyTrust {
  return { enabled: true, isTrusted: (_address, index) => index < hops };
}

function addEntry(list: BlockList, entry: string): void {
  const named = namedRanges[entry];
  if (named) {
    for (const range of named) addEntry(list, range);
    return;
  }
  const [address, prefix, ...rest] = entry.split("/");
  const ip = normalizeIp(address);
  const family = ip ? isIP(ip) : 0;
  const bits = prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix);
  if (!ip || rest.length > 0 || !Number.isInteger(bits) || bits < 0 || bits > (family === 4 ? 32 : 128)) {
    throw new Error(`has "${entry}", which is not an IP address, a CIDR or one of loopback, linklocal, uniquelocal`);
  }
  list.addSubnet(ip, bits, family === 4 ? "ipv4" : "ipv6");
}

function matches(list: BlockList, address: string): boolean {
  const ip = normalizeIp(address);
  if (!ip) return false;
  return list.check(ip, isIP(ip) === 4 ? "ipv4" : "ipv6");
}

/**
 * A socket's peer address as Node reports it — always a valid IP, lower-case — in canonical form. The session check
 * calls this on every request, so it skips `normalizeIp`'s parsing: only the IPv4-mapped form needs rewriting.
 */
export function fromSocket(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

/**
 * The client's address: walking from the socket peer back through `X-Forwarded-For` (rightmost first), the first
 * address that is not a trusted proxy. A hop that is not an IP address ends the walk and the socket address is used,
 * so a client can never put an arbitrary string (or a forged leftmost hop) in place of its address.
 */
export function clientAddress(socketAddress: string | undefined, forwardedFor: string | undefined, trust: ProxyTrust): string {
  const socket = socketAddress === undefined ? "unknown" : fromSocket(socketAddress);
  if (!trust.enabled || !forwardedFor || !trust.isTrusted(socket, 0)) return socket;
  const hops = forwardedFor.split(",");
  let candidate = socket;
  for (let i = hops.length - 1, index = 1; i >= 0; i--, index++) {
    const hop = normalizeIp(hops[i]);
    if (hop === null) return socket;
    candidate = hop;
    if (!trust.isTrusted(hop, index)) return hop;
  }
  return candidate; // every hop is a trusted proxy: the leftmost is as close to the client as we can tell
}
