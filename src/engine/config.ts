import { ValidationError } from "../errors.js";
import { type Duration, durationSeconds } from "./duration.js";
import { type ProxyTrust, resolveProxyTrust, type TrustProxySetting } from "./proxy-trust.js";

/**
 * Per-IP limits: requests per window for each limit the engine or a plugin declares (`refresh`, `reauthenticate`;
 * the password plugin's `signIn`, `signUp`, `forgotPassword`, `verifyEmail`, …), by name; `false` turns one off. A
 * name nobody declares is refused (`invalid_config`).
 */
export type RateLimitConfig = RateLimitSettings & { [limit: string]: number | false | Duration | undefined };

export interface RateLimitSettings {
  /** Window of every per-IP limit (default 60 s). */
  window?: Duration;
  /**
   * Mails one address may receive from the mail-sending routes (reset, verification, unlock) per
   * `mailPerRecipientWindow`, whoever asks (default 5; `false` turns it off). Beyond it the routes still answer 200
   * and send nothing.
   */
  mailPerRecipient?: number | false;
  /** Default 15 minutes. */
  mailPerRecipientWindow?: Duration;
}

export interface LockoutConfig {
  /** Failed sign-ins within `window` that lock an account (default 5). */
  maxAttempts?: number;
  /** Default 15 minutes. */
  window?: Duration;
  /** How long the account stays locked (default 15 minutes). */
  duration?: Duration;
  /**
   * While an account is locked, a browser that signed in to it successfully before (it holds the signed
   * `authsome_device` cookie) may still sign in, so nobody can lock the owner out with wrong passwords. Default true.
   */
  trustedDevices?: boolean;
}

export interface AuthsomeConfig {
  /** Slug of the app this engine serves (created on `start()` if missing). Default `"default"`. */
  appId?: string;
  /**
   * Multi-app deployments: refuse requests without an `X-Publishable-Key` header (or `publishable_key` query
   * parameter) instead of serving them as the `appId` app. Default false.
   */
  requirePublishableKey?: boolean;
  /**
   * How long an app, its default environment and its session overrides are kept in memory before a background
   * refresh (changes made through this engine apply at once). Default 60 s.
   */
  appCacheTTL?: Duration;
  /** Where the HTTP API is mounted. Default `/authsome`. */
  basePath?: string;
  /**
   * Public URL of the application's pages, where links in mail point (`<appUrl>/reset-password?token=…`); a path is
   * kept (`https://example.com/app` → `https://example.com/app/reset-password`). Its origin is also the server's
   * own origin for the CSRF check. Required unless `development` is true; then a request's own origin is used for
   * links only when it is a loopback origin or in `trustedOrigins`.
   */
  appUrl?: string;
  session?: {
    /** Access-token lifetime. Default 1 h. An app's row in `authsome_app_session_configs` overrides both TTLs. */
    tokenTTL?: Duration;
    /** Refresh-token lifetime. Default 30 d. */
    refreshTokenTTL?: Duration;
    /**
     * How long after a rotation a second presentation of the retired refresh token counts as a lost race (two
     * tabs refreshing at once) rather than a replay. Default 10 s.
     */
    refreshReuseGrace?: Duration;
  };
  /** Origins allowed for cookie-authenticated state changes, CORS and `redirect_to`. */
  trustedOrigins?: string[];
  /**
   * The proxies in front of the server, whose `X-Forwarded-For/-Proto/-Host` are believed: a hop count (`1` = one
   * proxy, e.g. nginx or a load balancer), or a list of proxy addresses / CIDRs (`["10.0.0.0/8"]`, `"loopback"`).
   * The client IP is then the rightmost `X-Forwarded-For` hop that is not a trusted proxy. Default false.
   * `true` means `1` and is deprecated: say how many proxies there are.
   */
  trustProxy?: TrustProxySetting;
  /** Secret(s) sealing stored secrets; the first seals, all open (rotation). Required unless `development`. */
  secret?: string | string[];
  /** Sign-in requires a verified email. Default false. */
  requireEmailVerification?: boolean;
  /** Sign-up mails a verification link and code to every new address. Default true. */
  sendVerificationOnSignUp?: boolean;
  password?: { minLength?: number; maxLength?: number; requireUppercase?: boolean; requireLowercase?: boolean; requireDigit?: boolean; requireSymbol?: boolean };
  rateLimits?: RateLimitConfig | false;
  lockout?: LockoutConfig | false;
  cookies?: { secure?: boolean | "auto"; domain?: string };
  /**
   * Development mode: a missing secret is tolerated (codes, device cookies and sealed values are then keyed from a
   * secret generated when the engine is created: nothing keyed with it survives a restart), `appUrl` may be left
   * out, and loopback origins pass the CSRF check.
   */
  development?: boolean;
}

export interface ResolvedConfig {
  appId: string;
  requirePublishableKey: boolean;
  appCacheTtlSeconds: number;
  basePath: string;
  /** `config.appUrl` without a trailing slash (path kept); null only in development. */
  appUrl: string | null;
  /** The origin of `appUrl`: the server's own origin for the CSRF check. */
  appOrigin: string | null;
  session: { tokenTtlSeconds: number; refreshTokenTtlSeconds: number; refreshReuseGraceSeconds: number };
  trustedOrigins: string[];
  trustProxy: ProxyTrust;
  secrets: string[];
  requireEmailVerification: boolean;
  sendVerificationOnSignUp: boolean;
  password: Required<NonNullable<AuthsomeConfig["password"]>>;
  /** `limits`: the configured overrides, by name (the declared defaults apply to the rest). */
  rateLimits: { windowSeconds: number; limits: Record<string, number | false> } | false;
  /** Off when `rateLimits` is false or `mailPerRecipient` is. */
  mailPerRecipient: { limit: number; windowSeconds: number } | false;
  lockout: { maxAttempts: number; windowSeconds: number; durationSeconds: number; trustedDevices: boolean } | false;
  cookies: { secure: boolean | "auto"; domain: string | null };
  development: boolean;
  /** Deprecated settings in use, each a sentence naming its replacement (logged once by `createAuthsome`). */
  deprecations: string[];
}

function invalid(field: string, message: string): ValidationError {
  return new ValidationError("invalid_config", `${field} ${message}`, { details: { field } });
}

function origin(value: string, field: string): string {
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("scheme");
    return url.origin;
  } catch {
    throw invalid(field, `must be an http(s) origin like "https://app.example.com", not "${value}"`);
  }
}

function positiveInteger(value: number | undefined, fallback: number, field: string, max = Number.MAX_SAFE_INTEGER): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v <= 0 || v > max) throw invalid(field, `must be a whole number from 1 to ${max}`);
  return v;
}

/** An http(s) URL kept with its path (no query, no fragment), without a trailing slash. */
function baseUrl(value: string, field: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(field, `must be an http(s) URL like "https://app.example.com", not "${value}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw invalid(field, `must be an http(s) URL, not "${value}"`);
  if (url.search || url.hash || url.username || url.password) throw invalid(field, "must not carry a query, a fragment or credentials");
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/** The one slug rule (apps, environments, organizations, roles): lowercase letters, digits and dashes, 1–63. */
export const slugShape = /^[a-z0-9][a-z0-9-]{0,62}$/;

const rateLimitSettings = new Set(["window", "mailPerRecipient", "mailPerRecipientWindow"]);

/**
 * Fills defaults and validates; never mutates the input.
 * @throws ValidationError `invalid_config` whose message names the offending field.
 */
export function resolveConfig(input: AuthsomeConfig = {}): ResolvedConfig {
  const appId = input.appId ?? "default";
  if (!slugShape.test(appId)) throw invalid("config.appId", "must be a slug (lowercase letters, digits, dashes)");
  const basePath = (input.basePath ?? "/authsome").replace(/\/+$/, "");
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(basePath)) throw invalid("config.basePath", 'must be a path like "/authsome" or "/v1/auth"');

  const secrets = input.secret === undefined ? [] : Array.isArray(input.secret) ? [...input.secret] : [input.secret];
  const development = input.development ?? false;
  if (secrets.length === 0 && !development) throw invalid("config.secret", "is required outside development (one secret, or a list for rotation)");
  secrets.forEach((secret, i) => {
    if (typeof secret !== "string" || secret.length < 32) throw invalid(`config.secret[${i}]`, "must be at least 32 characters");
  });

  const pw = input.password ?? {};
  const minLength = positiveInteger(pw.minLength, 8, "config.password.minLength", 1024);
  const maxLength = positiveInteger(pw.maxLength, 128, "config.password.maxLength", 1024);
  if (minLength > maxLength) throw invalid("config.password.minLength", "must not exceed config.password.maxLength");

  let rateLimits: ResolvedConfig["rateLimits"] = false;
  if (input.rateLimits !== false) {
    const configured = input.rateLimits ?? {};
    const limits: Record<string, number | false> = {};
    for (const [key, value] of Object.entries(configured)) {
      if (rateLimitSettings.has(key) || value === undefined) continue;
      if (value === false) limits[key] = false;
      else if (typeof value === "number") limits[key] = positiveInteger(value, 1, `config.rateLimits.${key}`);
      else throw invalid(`config.rateLimits.${key}`, "must be a number of requests per window, or false");
    }
    rateLimits = { windowSeconds: durationSeconds((configured.window as Duration | undefined) ?? 60, "config.rateLimits.window"), limits };
  }
  const perRecipient = input.rateLimits === false ? false : input.rateLimits?.mailPerRecipient;
  const mailPerRecipient: ResolvedConfig["mailPerRecipient"] =
    input.rateLimits === false || perRecipient === false
      ? false
      : {
          limit: positiveInteger(perRecipient, 5, "config.rateLimits.mailPerRecipient"),
          windowSeconds: durationSeconds((input.rateLimits?.mailPerRecipientWindow as Duration | undefined) ?? "15m", "config.rateLimits.mailPerRecipientWindow"),
        };

  const appUrl = input.appUrl === undefined ? null : baseUrl(input.appUrl, "config.appUrl");
  if (appUrl === null && !development) {
    throw invalid("config.appUrl", "is required outside development: links in mail and the CSRF check are built from it, never from the request's Host");
  }
  let trustProxy: ProxyTrust;
  try {
    trustProxy = resolveProxyTrust(input.trustProxy);
  } catch (err) {
    throw invalid("config.trustProxy", (err as Error).message);
  }
  const deprecations: string[] = [];
  if (input.trustProxy === true) {
    deprecations.push("config.trustProxy: true is deprecated and means 1 (one proxy in front); set the number of proxies, or their addresses");
  }

  let lockout: ResolvedConfig["lockout"] = false;
  if (input.lockout !== false) {
    const l = input.lockout ?? {};
    lockout = {
      maxAttempts: positiveInteger(l.maxAttempts, 5, "config.lockout.maxAttempts"),
      windowSeconds: durationSeconds(l.window ?? "15m", "config.lockout.window"),
      durationSeconds: durationSeconds(l.duration ?? "15m", "config.lockout.duration"),
      trustedDevices: l.trustedDevices ?? true,
    };
  }

  const session = input.session ?? {};
  return {
    appId,
    requirePublishableKey: input.requirePublishableKey ?? false,
    appCacheTtlSeconds: durationSeconds(input.appCacheTTL ?? 60, "config.appCacheTTL"),
    basePath,
    appUrl,
    appOrigin: appUrl === null ? null : new URL(appUrl).origin,
    session: {
      tokenTtlSeconds: durationSeconds(session.tokenTTL ?? "1h", "config.session.tokenTTL"),
      refreshTokenTtlSeconds: durationSeconds(session.refreshTokenTTL ?? "30d", "config.session.refreshTokenTTL"),
      refreshReuseGraceSeconds: durationSeconds(session.refreshReuseGrace ?? 10, "config.session.refreshReuseGrace"),
    },
    trustedOrigins: (input.trustedOrigins ?? []).map((o, i) => origin(o, `config.trustedOrigins[${i}]`)),
    trustProxy,
    secrets,
    requireEmailVerification: input.requireEmailVerification ?? false,
    sendVerificationOnSignUp: input.sendVerificationOnSignUp ?? true,
    password: {
      minLength,
      maxLength,
      requireUppercase: pw.requireUppercase ?? false,
      requireLowercase: pw.requireLowercase ?? false,
      requireDigit: pw.requireDigit ?? false,
      requireSymbol: pw.requireSymbol ?? false,
    },
    rateLimits,
    mailPerRecipient,
    lockout,
    cookies: { secure: input.cookies?.secure ?? "auto", domain: input.cookies?.domain ?? null },
    development,
    deprecations,
  };
}
