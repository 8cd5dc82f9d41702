/**
 * The `mfa` plugin: TOTP second factor with recovery codes, enforced through the platform's second-factor gate on
 * every way of signing in (password, social, magic links, any plugin's method). A user who enrolled is always
 * challenged; `required` makes everyone enrol before their first session. The seed is sealed at rest, recovery codes
 * are keyed hashes, and a code never works twice.
 * @module
 */
import {
  type AuthsomePlugin,
  builtInMigrationGroup,
  invalidRequest,
  type MigrationGroup,
  type RequestMeta,
  type SignInResult,
  ValidationError,
} from "../../plugin/index.js";
import { registerMfaRoutes } from "./routes.js";
import { createMfa, type MfaProof, type MfaStatus, mfaEvents, mfaRateLimits, type TotpEnrollment } from "./service.js";
import { mfaStore } from "./store.js";

/** The `mfa` migration group: pass it to `migrate(db, [mfaMigrations])` (or the CLI's `--plugins mfa`). */
export const mfaMigrations: MigrationGroup = builtInMigrationGroup("mfa");

export interface MfaOptions {
  /** The issuer authenticator apps list the account under. Default: the app's name. */
  issuer?: string;
  /**
   * Every user must have a second factor: one without gets 403 `mfa_enrollment_required` at sign-in, with a ticket
   * that allows enrolment only, and the enrolment's verify completes the sign-in. Default false. An app's own policy
   * (`auth.api.setMfaPolicy`) overrides it.
   */
  required?: boolean;
}

/** Whose enrolment: a user (by id, as signed in), or the ticket of a `mfa_enrollment_required` sign-in. */
export type MfaSubject = { userId: string; ticket?: never } | { ticket: string; userId?: never };

/** What the plugin adds to `auth.api`. */
export interface MfaApi {
  /**
   * Starts a TOTP enrolment (with `meta`, counted on the `mfaChallenge` limit).
   * @throws ConflictError `mfa_already_enabled`; ValidationError `invalid_ticket`; NotFoundError; RateLimitError
   */
  mfaEnroll(subject: MfaSubject, meta?: RequestMeta): Promise<TotpEnrollment>;
  /**
   * Confirms it with a first code: the recovery codes (shown once) — and, for a ticket, the sign-in it completes.
   * @throws AuthenticationError `invalid_mfa_code`; ValidationError `mfa_not_enrolled` | `invalid_ticket`; RateLimitError
   */
  mfaVerify(subject: MfaSubject, code: string, meta: RequestMeta): Promise<{ recoveryCodes: string[]; result?: SignInResult }>;
  /**
   * Answers a `mfa_required` ticket with a TOTP code or a recovery code: the session (or, rarely, a later gate's
   * challenge). Rate limits, the ticket's expiry and answers, the lockout and the replay guard apply as over HTTP.
   * @throws AuthenticationError `invalid_mfa_code`; ValidationError `invalid_ticket`; RateLimitError
   *   `too_many_attempts` | `account_locked` | `rate_limited`
   */
  mfaChallenge(ticket: string, proof: MfaProof, meta: RequestMeta): Promise<SignInResult>;
  /** Turns MFA off, after a current code or an unused recovery code. @throws NotFoundError `mfa_not_enabled`; AuthenticationError `invalid_mfa_code` */
  mfaDisable(userId: string, proof: MfaProof, meta: RequestMeta): Promise<void>;
  /** New recovery codes (the old ones die), after a current code or an unused recovery code. */
  mfaRegenerateRecoveryCodes(userId: string, proof: MfaProof, meta: RequestMeta): Promise<string[]>;
  mfaStatus(userId: string): Promise<MfaStatus>;
  /** An app's own policy: `true` requires MFA of its users, `false` exempts them, `null` follows `mfa({ required })`. @throws NotFoundError */
  setMfaPolicy(appId: string, policy: { required: boolean } | null): Promise<void>;
  getMfaPolicy(appId: string): Promise<{ required: boolean } | null>;
}

const totpShape = /^\d{6}$/;

/** In-process input as the routes' schemas take it: bad input is refused before anything is counted. */
function checkedCode(code: unknown, field = "code"): string {
  if (typeof code !== "string" || !totpShape.test(code)) throw invalidRequest({ [field]: "must be 6 digits" });
  return code;
}
function checkedProof(proof: MfaProof): MfaProof {
  const { code, recoveryCode } = (proof ?? {}) as { code?: unknown; recoveryCode?: unknown };
  if ((code === undefined) === (recoveryCode === undefined)) throw invalidRequest({ code: "give code or recoveryCode, exactly one" });
  if (code !== undefined) return { code: checkedCode(code) };
  if (typeof recoveryCode !== "string" || !recoveryCode || recoveryCode.length > 64) throw invalidRequest({ recoveryCode: "must be 1 to 64 characters" });
  return { recoveryCode };
}

/**
 * @example
 * ```ts
 * import { mfa } from "authsome/plugins/mfa";
 *
 * const auth = createAuthsome({ store, plugins: [password(), mfa({ issuer: "Acme" })], config: { secret } });
 * // Sign-in of an enrolled user → 403 { code: "mfa_required", details: { mfa_ticket, methods } }
 * const result = await auth.api.mfaChallenge(ticket, { code: "123456" }, meta);
 * ```
 * @throws ValidationError `invalid_config` for a non-boolean `required` or an empty issuer.
 */
export function mfa(options: MfaOptions = {}): AuthsomePlugin<MfaApi> {
  const { issuer, required = false } = options;
  if (typeof required !== "boolean") throw new ValidationError("invalid_config", "mfa.required must be a boolean", { details: { field: "mfa.required" } });
  if (issuer !== undefined && (typeof issuer !== "string" || !issuer.trim() || issuer.length > 100)) {
    throw new ValidationError("invalid_config", "mfa.issuer must be 1 to 100 characters", { details: { field: "mfa.issuer" } });
  }
  return {
    id: "mfa",
    migrations: mfaMigrations,
    events: mfaEvents,
    rateLimits: mfaRateLimits,
    hooks: {
      // A deleted account keeps no seed and no recovery code.
      "deleteUser.before": async ({ user }, repos) => void (await mfaStore(repos).deleteAllByUser(user.id)),
    },
    setup(ctx) {
      const service = createMfa(ctx, { issuer: issuer?.trim() ?? null, required });
      ctx.signIns.addGate(service.gate);
      registerMfaRoutes(ctx, service);
      const subjectOf = async (subject: MfaSubject) => (subject.ticket !== undefined ? { ticket: subject.ticket } : { user: await service.userOf(subject.userId) });
      return {
        mfaEnroll: async (subject, meta) => service.enroll(await subjectOf(subject), meta),
        mfaVerify: async (subject, code, meta) => service.verify(await subjectOf(subject), checkedCode(code), meta),
        mfaChallenge: async (ticket, proof, meta) => service.challenge(ticket, checkedProof(proof), meta),
        mfaDisable: async (userId, proof, meta) => service.disable(await service.userOf(userId), checkedProof(proof), meta),
        mfaRegenerateRecoveryCodes: async (userId, proof, meta) => service.regenerate(await service.userOf(userId), checkedProof(proof), meta),
        mfaStatus: async (userId) => service.status(await service.userOf(userId)),
        setMfaPolicy: (appId, policy) => service.setPolicy(appId, policy === null ? null : policy.required),
        getMfaPolicy: async (appId) => {
          const policy = await service.policyOf(appId);
          return policy === null ? null : { required: policy };
        },
      };
    },
  };
}

export type { MfaProof, MfaStatus, TotpEnrollment };
