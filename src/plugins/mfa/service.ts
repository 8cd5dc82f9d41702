import QRCode from "qrcode";
import { typeid } from "typeid-js";
import {
  AuthenticationError,
  ConflictError,
  type EngineContext,
  NotFoundError,
  type PendingSignIn,
  type RequestMeta,
  type SealContext,
  type SecondFactorGate,
  type SignInResult,
  type User,
  ValidationError,
} from "../../plugin/index.js";
import { mfaDisabledMail, mfaEnabledMail, mfaLockedMail, recoveryCodeUsedMail } from "./mail.js";
import { hashRecoveryCode, matchRecoveryCode, newRecoveryCodes } from "./recovery-codes.js";
import { mfaStore, type StoredRecoveryCode } from "./store.js";
import { acceptedStep, newTotpSecret, otpauthUrl } from "./totp.js";

/** The events the plugin declares. */
export const mfaEvents = ["mfa.enabled", "mfa.disabled", "mfa.challenge_failed", "mfa.recovery_code_used", "mfa.recovery_codes_regenerated"] as const;

/** Its per-IP limit on every route that takes a code, and the default (requests per `config.rateLimits.window`). */
export const mfaRateLimits = { mfaChallenge: 30 } as const;

/** The gate's id (tickets are ceremonies `signin:mfa`) and the `details` field that carries a ticket. */
export const mfaGateId = "mfa";
export const ticketField = "mfa_ticket";
const ticketTtlSeconds = 300;
const ticketAnswers = 5;

/** A second factor shown as proof: a current TOTP code, or an unused recovery code. */
export type MfaProof = { code: string; recoveryCode?: never } | { recoveryCode: string; code?: never };
type Factor = "totp" | "recovery_code";

/**
 * What a `mfa_required` ticket (purpose `challenge`) keeps: the enrolment as the sign-in read it (the seed still
 * sealed) and the recovery codes' hashes. A `mfa_enrollment_required` ticket (purpose `enroll`) keeps nothing.
 */
interface ChallengeState extends Record<string, unknown> {
  enrollmentId: string;
  secretSealed: string;
  recoveryCodes: StoredRecoveryCode[];
}

export interface MfaSettings {
  /** The issuer authenticator apps show; null: the app's name. */
  issuer: string | null;
  /** Whether every user must have a second factor (an app's policy row overrides it). */
  required: boolean;
}

/** A started TOTP enrolment: the seed, its key URI and the URI as an SVG QR code. */
export interface TotpEnrollment {
  secret: string;
  otpauthUrl: string;
  qrSvg: string;
}

export interface MfaStatus {
  enabled: boolean;
  verifiedAt: Date | null;
  recoveryCodesRemaining: number;
}

/** Who is enrolling: a signed-in user, or the holder of a `mfa_enrollment_required` ticket. */
export type EnrollSubject = { user: User; ticket?: never } | { ticket: string; user?: never };

const factorOf = (proof: MfaProof): Factor => (typeof proof.code === "string" ? "totp" : "recovery_code");
const proofField = (factor: Factor) => (factor === "totp" ? "code" : "recovery_code");
const invalidCode = (factor: Factor) =>
  new AuthenticationError("invalid_mfa_code", factor === "totp" ? "The code is wrong, expired or already used" : "The recovery code is wrong or already used", {
    details: { fields: { [proofField(factor)]: "is wrong, expired or already used" } },
  });
const alreadyEnabled = () => new ConflictError("mfa_already_enabled", "Two-factor authentication is already on; turn it off first to enrol a new authenticator");
const notEnrolled = () => new ValidationError("mfa_not_enrolled", "Start an enrolment first (POST /mfa/totp/enroll)");
const notEnabled = () => new NotFoundError("mfa_not_enabled", "Two-factor authentication is not on for this account");

/** The plugin's decisions: the sign-in gate, enrolment, the challenge, step-up management and the policy. */
export function createMfa(ctx: EngineContext, settings: MfaSettings) {
  const { store, now, sealer, codes, events, protection, outbox } = ctx;
  const seedContext = (enrollmentId: string): SealContext => ({ table: "authsome_mfa_enrollments", column: "secret_sealed", rowId: enrollmentId });
  const openSeed = (enrollmentId: string, sealed: string) => sealer.open(sealed, seedContext(enrollmentId));

  /** The TOTP check with the replay guard: the accepted step is recorded by compare-and-swap, so a code works once. */
  async function spendTotp(enrollmentId: string, secretSealed: string, code: string): Promise<boolean> {
    const at = now();
    const step = acceptedStep(openSeed(enrollmentId, secretSealed), code, at);
    return step !== null && (await mfaStore(store).useStep(enrollmentId, step, at));
  }

  /**
   * A recovery code among `stored`, used once (atomic) with its event in the same statement. The caller tells the
   * owner (`recoveryCodeNotice`) once its request is answered, so the mail's work never lands among its statements.
   */
  async function spendRecoveryCode(user: User, input: string, stored: readonly StoredRecoveryCode[], meta: RequestMeta, purpose: string): Promise<boolean> {
    const id = matchRecoveryCode(codes, user.id, input, stored);
    if (!id) return false;
    events.assertKnown("mfa.recovery_code_used");
    const at = now();
    const used = await mfaStore(store).useRecoveryCode(id, user.id, at, {
      appId: user.appId,
      envId: user.envId,
      type: "mfa.recovery_code_used",
      ipAddress: meta.ipAddress,
      userAgent: meta.userAgent,
      metadata: { purpose },
      at,
    });
    return used;
  }

  function recoveryCodeNotice(user: User): void {
    outbox.notify(user, "mfa_recovery_code_used", async () => recoveryCodeUsedMail(user.email, await mfaStore(store).countUnusedRecoveryCodes(user.id)));
  }


  async function failed(user: User, meta: RequestMeta, factor: Factor, purpose: string, pending?: PendingSignIn): Promise<void> {
    const locked = pending?.locksAccount ?? false;
    await events.emit("mfa.challenge_failed", { userId: user.id, meta, metadata: { factor, purpose, ...(pending ? { attempts: pending.attempts, locked } : {}) } });
    if (locked) outbox.notify(user, "mfa_locked", () => mfaLockedMail(user.email));
  }

  /** A new set of recovery codes for the user: as shown once, and as stored. */
  function freshCodes(user: User): { plain: string[]; hashes: string[] } {
    const plain = newRecoveryCodes();
    return { plain, hashes: plain.map((code) => hashRecoveryCode(codes, user.id, code)) };
  }

  /**
   * Verifies the user's pending enrolment with its first code: verified, the replay guard at that step, ten recovery
   * codes and `mfa.enabled` in one transaction. Null for a wrong code.
   */
  async function confirm(user: User, code: string, meta: RequestMeta): Promise<string[] | null> {
    const enrollment = await mfaStore(store).findEnrollment(user.id);
    if (!enrollment) throw notEnrolled();
    if (enrollment.verifiedAt) throw alreadyEnabled();
    const at = now();
    const step = acceptedStep(openSeed(enrollment.id, enrollment.secretSealed), code, at);
    if (step === null) return null;
    const { plain, hashes } = freshCodes(user);
    const confirmed = await store.transaction(async (tx) => {
      if (!(await mfaStore(tx).confirmEnrollment(enrollment.id, step, at))) return false;
      await mfaStore(tx).replaceRecoveryCodes(user.id, hashes, at);
      await events.emit("mfa.enabled", { userId: user.id, meta, metadata: { method: "totp" } }, tx);
      return true;
    });
    if (!confirmed) throw alreadyEnabled(); // a concurrent verify won, or the enrolment was replaced
    await ctx.hooks.after("mfa.enabled.after", { user, meta, method: "totp" }, store);
    // Told, since an authenticator someone else enrolled would survive a password reset.
    outbox.notify(user, "mfa_enabled", () => mfaEnabledMail(user.email));
    return plain;
  }

  /**
   * Step-up for management: a current TOTP code (replay-guarded) or an unused recovery code, counted per IP and per
   * session user like a password re-check (a stolen session gets the lockout's few guesses, then none).
   * @throws NotFoundError `mfa_not_enabled`; AuthenticationError `invalid_mfa_code`; RateLimitError
   */
  async function stepUp(user: User, proof: MfaProof, meta: RequestMeta): Promise<Factor> {
    await protection.limit("mfaChallenge", meta);
    const enrollment = await mfaStore(store).findEnrollment(user.id);
    if (!enrollment?.verifiedAt) throw notEnabled();
    await protection.countReauthentication(user);
    const factor = factorOf(proof);
    const ok =
      factor === "totp"
        ? await spendTotp(enrollment.id, enrollment.secretSealed, proof.code as string)
        : await spendRecoveryCode(user, proof.recoveryCode as string, await mfaStore(store).unusedRecoveryCodes(user.id), meta, "step_up");
    if (!ok) {
      await failed(user, meta, factor, "step_up");
      throw invalidCode(factor);
    }
    await protection.clearReauthentication(user);
    if (factor === "recovery_code") recoveryCodeNotice(user);
    return factor;
  }

  /** The user of a `mfa_enrollment_required` ticket. @throws ValidationError `invalid_ticket` */
  async function enrollTicketUser(ticket: string): Promise<User> {
    return (await ctx.signIns.inspect(ticket, { gate: mfaGateId, purpose: "enroll" })).user;
  }

  const gate: SecondFactorGate = {
    id: mfaGateId,
    ticket: { ttlSeconds: ticketTtlSeconds, maxAttempts: ticketAnswers, field: ticketField },
    async check({ user, multiFactor }) {
      if (multiFactor) return null; // e.g. a passkey with user verification: two factors already
      const read = await mfaStore(store).gateRead(user.id, user.appId);
      const enrollment = read.enrollment;
      if (enrollment?.verifiedAt) {
        const state: ChallengeState = { enrollmentId: enrollment.id, secretSealed: enrollment.secretSealed, recoveryCodes: read.recoveryCodes };
        const methods = read.recoveryCodes.length > 0 ? ["totp", "recovery_code"] : ["totp"];
        return { code: "mfa_required", message: "Enter a code from your authenticator app (or a recovery code)", details: { methods }, purpose: "challenge", state };
      }
      if (read.appRequires ?? settings.required) {
        return { code: "mfa_enrollment_required", message: "Set up two-factor authentication to finish signing in", details: { methods: ["totp"] }, purpose: "enroll" };
      }
      return null;
    },
  };

  return {
    gate,

    /**
     * Starts (or restarts) a TOTP enrolment: a fresh seed, sealed at rest, replacing an unverified one; with `meta`,
     * counted on the client's `mfaChallenge` limit.
     * @throws ConflictError `mfa_already_enabled`; ValidationError `invalid_ticket`; RateLimitError `rate_limited`.
     */
    async enroll(subject: EnrollSubject, meta?: RequestMeta): Promise<TotpEnrollment> {
      if (meta) await protection.limit("mfaChallenge", meta);
      const user = subject.user ?? (await enrollTicketUser(subject.ticket));
      const id = typeid("amfa").toString();
      const secret = newTotpSecret();
      if (!(await mfaStore(store).beginEnrollment(id, user.id, sealer.seal(secret, seedContext(id)), now()))) throw alreadyEnabled();
      const url = otpauthUrl(settings.issuer ?? ctx.tenant().app.name, user.email, secret);
      return { secret, otpauthUrl: url, qrSvg: await QRCode.toString(url, { type: "svg", errorCorrectionLevel: "M", margin: 2 }) };
    },

    /**
     * Confirms the enrolment with a first code and returns the recovery codes (shown this once). With a ticket
     * (required MFA), it also completes the sign-in the ticket stands for.
     * @throws AuthenticationError `invalid_mfa_code`; ValidationError `mfa_not_enrolled` | `invalid_ticket`;
     *   ConflictError `mfa_already_enabled`; RateLimitError
     */
    async verify(subject: EnrollSubject, code: string, meta: RequestMeta): Promise<{ recoveryCodes: string[]; result?: SignInResult }> {
      if (subject.user) {
        await protection.limit("mfaChallenge", meta);
        const recoveryCodes = await confirm(subject.user, code, meta);
        if (!recoveryCodes) throw invalidCode("totp");
        return { recoveryCodes };
      }
      let recoveryCodes: string[] | null = null;
      const result = await ctx.signIns.resume(subject.ticket, {
        gate: mfaGateId,
        purpose: "enroll",
        meta,
        limit: "mfaChallenge",
        verify: async (pending) => {
          recoveryCodes = await confirm(pending.user, code, meta);
          if (recoveryCodes) return { factor: "totp" };
          await failed(pending.user, meta, "totp", "enrollment", pending);
          return false;
        },
      });
      if (!result || !recoveryCodes) throw invalidCode("totp");
      return { recoveryCodes, result };
    },

    /**
     * Answers a `mfa_required` ticket: the sign-in's session (method `<method>+totp` / `+recovery_code`).
     * @throws AuthenticationError `invalid_mfa_code`; ValidationError `invalid_ticket`; RateLimitError
     *   `too_many_attempts` | `account_locked` | `rate_limited`; ForbiddenError `user_banned`.
     */
    async challenge(ticket: string, proof: MfaProof, meta: RequestMeta): Promise<SignInResult> {
      const factor = factorOf(proof);
      let spentBy: User | null = null;
      const answered = ctx.signIns.resume(ticket, {
        gate: mfaGateId,
        purpose: "challenge", // an enrolment ticket is answered only by enrolling
        meta,
        limit: "mfaChallenge",
        verify: async (pending) => {
          const state = pending.state as ChallengeState;
          const ok =
            factor === "totp"
              ? await spendTotp(state.enrollmentId, state.secretSealed, proof.code as string)
              : await spendRecoveryCode(pending.user, proof.recoveryCode as string, state.recoveryCodes, meta, "sign_in");
          if (ok && factor === "recovery_code") spentBy = pending.user;
          if (ok) return { factor };
          await failed(pending.user, meta, factor, "sign_in", pending);
          return false;
        },
      });
      // A used code is told of whatever became of the sign-in, once it is answered.
      const result = await answered.finally(() => spentBy && recoveryCodeNotice(spentBy));
      if (!result) throw invalidCode(factor);
      return result;
    },

    /** Turns MFA off (enrolment and codes deleted) after a step-up; the owner is mailed. */
    async disable(user: User, proof: MfaProof, meta: RequestMeta): Promise<void> {
      const factor = await stepUp(user, proof, meta);
      await store.transaction(async (tx) => {
        await mfaStore(tx).deleteAllByUser(user.id);
        await events.emit("mfa.disabled", { userId: user.id, meta, metadata: { factor } }, tx);
      });
      await ctx.hooks.after("mfa.disabled.after", { user, meta, method: "totp" }, store);
      outbox.notify(user, "mfa_disabled", () => mfaDisabledMail(user.email));
    },

    /** New recovery codes after a step-up; the old ones stop working. */
    async regenerate(user: User, proof: MfaProof, meta: RequestMeta): Promise<string[]> {
      const factor = await stepUp(user, proof, meta);
      const { plain, hashes } = freshCodes(user);
      await store.transaction(async (tx) => {
        await mfaStore(tx).replaceRecoveryCodes(user.id, hashes, now());
        await events.emit("mfa.recovery_codes_regenerated", { userId: user.id, meta, metadata: { factor } }, tx);
      });
      return plain;
    },

    async status(user: User): Promise<MfaStatus> {
      const enrollment = await mfaStore(store).findEnrollment(user.id);
      const enabled = Boolean(enrollment?.verifiedAt);
      return { enabled, verifiedAt: enabled ? (enrollment?.verifiedAt ?? null) : null, recoveryCodesRemaining: enabled ? await mfaStore(store).countUnusedRecoveryCodes(user.id) : 0 };
    },

    /** The user of the current tenant. @throws NotFoundError */
    async userOf(userId: string): Promise<User> {
      const user = await store.users.findById(ctx.scope(), userId);
      if (!user || user.deletedAt) throw new NotFoundError("not_found", "User not found");
      return user;
    },

    /** An app's own policy (over `mfa({ required })`); null: none. */
    policyOf: (appId: string) => mfaStore(store).policyOf(appId),
    async setPolicy(appId: string, required: boolean | null): Promise<void> {
      if (!(await store.apps.findById(appId))) throw new NotFoundError("not_found", "App not found");
      await mfaStore(store).setPolicy(appId, required, now());
    },
  };
}

export type Mfa = ReturnType<typeof createMfa>;
