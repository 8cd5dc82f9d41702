import { ValidationError } from "../errors.js";
import type { ResolvedConfig } from "./config.js";

/** Where a flow may send the browser back to (OAuth callbacks, magic links): `redirect_to`, checked. */
export interface Redirects {
  /**
   * Checks a client-supplied `redirect_to`: a relative path (`/dashboard?tab=1`, never `//host` or `/\host`) or an
   * absolute `http(s)` URL without credentials on `appUrl`'s origin, a trusted origin or `also` (the request's own
   * loopback origin in development). Returns it normalised — a relative path as a browser resolves it (so
   * `/..//evil.example` is refused, not passed on as `//evil.example`), an absolute URL as its `href`.
   * @throws ValidationError `invalid_redirect` naming `field` (default `redirect_to`) for anything else
   *   (`javascript:`, another host, a protocol-relative URL, control characters).
   */
  check(value: string, options?: { field?: string; also?: string | null }): string;
  /**
   * Where the browser actually goes: a relative target resolved against `appUrl`'s origin (the API may be served
   * from another host), an absolute one as it is; without a target, `appUrl` (else `/`).
   */
  resolve(target: string | null | undefined): string;
}

const maxLength = 2048;
// No whitespace or control character anywhere (browsers strip tabs and newlines, turning `/\t/evil` into `//evil`),
// and no backslash (browsers read `\` as `/` in http URLs).
const unsafeCharacters = /[\u0000-\u0020\u007f\\]/;
const relativeBase = new URL("http://relative.invalid");

export function createRedirects(config: Pick<ResolvedConfig, "appUrl" | "appOrigin" | "trustedOrigins">): Redirects {
  const trusted = new Set([...(config.appOrigin ? [config.appOrigin] : []), ...config.trustedOrigins]);
  return {
    check(value, options = {}) {
      const field = options.field ?? "redirect_to";
      const target = value.trim();
      const refuse = (why: string) =>
        new ValidationError("invalid_redirect", `${field} must be a relative path or a URL on a trusted origin`, { details: { fields: { [field]: why } } });
      if (target.length === 0 || target.length > maxLength || unsafeCharacters.test(target)) throw refuse("is not a safe redirect target");
      if (target.startsWith("/")) {
        // What is returned is the path as a browser resolves it (dot segments collapsed, `%2e` decoded), so that
        // `/..//evil.example` cannot come out as `//evil.example`: it must stay on the base and not start with `//`.
        const url = new URL(target, relativeBase);
        if (url.origin !== relativeBase.origin || target.startsWith("//") || url.pathname.startsWith("//")) throw refuse("must stay on this site");
        return `${url.pathname}${url.search}${url.hash}`;
      }
      let url: URL;
      try {
        url = new URL(target);
      } catch {
        throw refuse("is not a relative path or an absolute URL");
      }
      // `new URL` normalises (`https:app.test/x` is `https://app.test/x`): the normalised form is what is checked and returned.
      if (url.protocol !== "https:" && url.protocol !== "http:") throw refuse("must be an http(s) URL");
      if (url.username || url.password) throw refuse("must not carry credentials");
      if (!trusted.has(url.origin) && url.origin !== options.also) throw refuse("is not on a trusted origin");
      return url.href;
    },
    resolve(target) {
      if (!target) return config.appUrl ?? "/";
      if (target.startsWith("/") && config.appOrigin) return `${config.appOrigin}${target}`;
      return target;
    },
  };
}
