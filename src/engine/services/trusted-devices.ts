import type { CodeHasher } from "../../crypto/codes.js";
import { defaultRandomSource, drawRandomBytes, type RandomSource } from "../../crypto/tokens.js";

/** The cookie a browser gets at each successful sign-in, proving later that it signed in to that account before. */
export const deviceCookieName = "authsome_device";
/** Browsers cap cookie lifetimes at 400 days. */
export const deviceCookieMaxAgeSeconds = 400 * 86_400;

const shape = /^([A-Za-z0-9_-]{22})\.(\d{1,12})\.(v[0-9a-f]{8}\.[0-9a-f]{64})$/;

/**
 * Signed device cookies (OWASP's "device cookie" defence against lockout as denial of service): `<id>.<issued>.<mac>`,
 * the MAC an HMAC under the configured secret binding the id and issue time to one user and one version of the
 * user's credential (the password plugin: its current hash). Nothing is stored: a cookie proves itself, it is worth
 * nothing for another account, and a changed password retires every cookie issued before.
 */
export function createTrustedDevices(codes: CodeHasher, now: () => Date, random: RandomSource = defaultRandomSource) {
  return {
    /** A new cookie value for `userId` while its credential is at `credentialVersion`. */
    issue(userId: string, credentialVersion: string): string {
      const id = Buffer.from(drawRandomBytes(random, 16)).toString("base64url");
      const payload = `${id}.${Math.floor(now().getTime() / 1000)}`;
      return `${payload}.${codes.hash("device-cookie", `${userId}:${credentialVersion}`, payload)}`;
    },
    /** The device id when `value` is an unexpired cookie issued to `userId` at this `credentialVersion`; else null. */
    verify(value: string | undefined, userId: string, credentialVersion: string): string | null {
      const match = value ? shape.exec(value) : null;
      if (!match) return null;
      const [, id, issued, mac] = match as unknown as [string, string, string, string];
      if (now().getTime() / 1000 - Number(issued) > deviceCookieMaxAgeSeconds) return null;
      return codes.verify(mac, "device-cookie", `${userId}:${credentialVersion}`, `${id}.${issued}`) ? id : null;
    },
  };
}

export type TrustedDevices = ReturnType<typeof createTrustedDevices>;
