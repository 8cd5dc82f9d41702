import { ValidationError } from "../errors.js";
import { type Duration, durationSeconds } from "./duration.js";

/** Per-IP limits per window; `false` turns one off. */
export interface RateLimitConfig {
  signIn?: number | false;
  signUp?: number | false;
  forgotPassword?: number | false;
  verifyEmail?: number | false;
  refresh?: number | false;
  mfaChallenge?: number | false;
  /** Window of every limit (default 60 s). */
  window?: Duration;
}

export interface LockoutConfig {
  /** Failed sign-ins within `window` that lock an account (default 5). */
  maxAttempts?: number;
  /** Default 15 minutes. */
  window?: Duration;
  /** How long the account stays locked (default 15 minutes). */
  duration?: Duration;
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
  /** Origin of the application, where links in mail point (`<appUrl>/reset-password?token=…`). */
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
  /** Read `X-Forwarded-For` for the client IP (only behind a proxy you control). Default false. */
  trustProxy?: boolean;
  /** Secret(s) sealing stored secrets; the first seals, all open (rotation). Required unless `development`. */
  secret?: string | string[];
  /** Sign-in requires a verified email. Default false. */
  requireEmailVerification?: boolean;
  password?: { minLength?: number; maxLength?: number; requireUppercase?: boolean; requireLowercase?: boolean; requireDigit?: boolean; requireSymbol?: boolean };
  rateLimits?: RateLimitConfig | false;
  lockout?: LockoutConfig | false;
  cookies?: { secure?: boolean | "auto"; domain?: string };
  /** Development mode: a missing secret is tolerated (stored secrets are then sealed with a fixed dev key). */
  development?: boolean;
}

export interface ResolvedConfig {
  appId: string;
  requirePublishableKey: boolean;
  appCacheTtlSeconds: number;
  basePath: string;
  appUrl: string | null;
  session: { tokenTtlSeconds: number; refreshTokenTtlSeconds: number; refreshReuseGraceSeconds: number };
  trustedOrigins: string[];
  trustProxy: boolean;
  secrets: string[];
  requireEmailVerification: boolean;
  password: Required<NonNullable<AuthsomeConfig["password"]>>;
  rateLimits: { windowSeconds: number; limits: Record<keyof Omit<RateLimitConfig, "window">, number | false> } | false;
  lockout: { maxAttempts: number; windowSeconds: number; durationSeconds: number } | false;
  cookies: { secure: boolean | "auto"; domain: string | null };
  development: boolean;
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

const defaultLimits = { signIn: 30, signUp: 10, forgotPassword: 10, verifyEmail: 30, refresh: 60, mfaChallenge: 30 } as const;

/**
 * Fills defaults and validates; never mutates the input.
 * @throws ValidationError `invalid_config` whose message names the offending field.
 */
export function resolveConfig(input: AuthsomeConfig = {}): ResolvedConfig {
  const appId = input.appId ?? "default";
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(appId)) throw invalid("config.appId", "must be a slug (lowercase letters, digits, dashes)");
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
    const limits = { ...defaultLimits } as Record<keyof typeof defaultLimits, number | false>;
    for (const key of Object.keys(defaultLimits) as Array<keyof typeof defaultLimits>) {
      const value = configured[key];
      if (value === false) limits[key] = false;
      else if (value !== undefined) limits[key] = positiveInteger(value, 1, `config.rateLimits.${key}`);
    }
    rateLimits = { windowSeconds: durationSeconds(configured.window ?? 60, "config.rateLimits.window"), limits };
  }

  let lockout: ResolvedConfig["lockout"] = false;
  if (input.lockout !== false) {
    const l = input.lockout ?? {};
    lockout = {
      maxAttempts: positiveInteger(l.maxAttempts, 5, "config.lockout.maxAttempts"),
      windowSeconds: durationSeconds(l.window ?? "15m", "config.lockout.window"),
      durationSeconds: durationSeconds(l.duration ?? "15m", "config.lockout.duration"),
    };
  }

  const session = input.session ?? {};
  return {
    appId,
    requirePublishableKey: input.requirePublishableKey ?? false,
    appCacheTtlSeconds: durationSeconds(input.appCacheTTL ?? 60, "config.appCacheTTL"),
    basePath,
    appUrl: input.appUrl === undefined ? null : origin(input.appUrl, "config.appUrl"),
    session: {
      tokenTtlSeconds: durationSeconds(session.tokenTTL ?? "1h", "config.session.tokenTTL"),
      refreshTokenTtlSeconds: durationSeconds(session.refreshTokenTTL ?? "30d", "config.session.refreshTokenTTL"),
      refreshReuseGraceSeconds: durationSeconds(session.refreshReuseGrace ?? 10, "config.session.refreshReuseGrace"),
    },
    trustedOrigins: (input.trustedOrigins ?? []).map((o, i) => origin(o, `config.trustedOrigins[${i}]`)),
    trustProxy: input.trustProxy ?? false,
    secrets,
    requireEmailVerification: input.requireEmailVerification ?? false,
    password: {
      minLength,
      maxLength,
      requireUppercase: pw.requireUppercase ?? false,
      requireLowercase: pw.requireLowercase ?? false,
      requireDigit: pw.requireDigit ?? false,
      requireSymbol: pw.requireSymbol ?? false,
    },
    rateLimits,
    lockout,
    cookies: { secure: input.cookies?.secure ?? "auto", domain: input.cookies?.domain ?? null },
    development,
  };
}
