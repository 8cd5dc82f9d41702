import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import {
  AuthenticationError,
  AuthResponseSchema,
  type AuthsomeEnv,
  errorResponses,
  jsonBody,
  jsonResponse,
  optionalJsonBody,
  type PluginContext,
  StatusOkSchema,
  type User,
} from "../../plugin/index.js";
import type { EnrollSubject, Mfa, MfaProof } from "./service.js";

const ticket = z.string().min(1).max(256).openapi({ description: "The `mfa_ticket` of a 403 `mfa_required` / `mfa_enrollment_required`" });
const totpCode = z.string().regex(/^\d{6}$/, "must be 6 digits").openapi({ example: "123456" });
const recoveryCode = z.string().min(1).max(64).openapi({ example: "k7m2p-x9q4r" });

/** `code` or `recovery_code`, exactly one (named in the 400 when both or neither are sent). */
function withProof<S extends z.ZodRawShape>(shape: S) {
  return z.strictObject({ ...shape, code: totpCode.optional(), recovery_code: recoveryCode.optional() }).superRefine((body, issues) => {
    const { code, recovery_code } = body as { code?: string; recovery_code?: string };
    const given = [code, recovery_code].filter((v) => v !== undefined).length;
    if (given !== 1) issues.addIssue({ code: "custom", path: ["code"], message: given === 0 ? "is required (or recovery_code)" : "send code or recovery_code, not both" });
  });
}

const EnrollmentSchema = z
  .object({
    secret: z.string().openapi({ description: "The seed, base32 (for typing into an app by hand)" }),
    otpauth_url: z.string().openapi({ description: "otpauth://totp/… — the key URI authenticator apps scan" }),
    qr_svg: z.string().openapi({ description: "The key URI as an SVG QR code" }),
  })
  .openapi("MfaTotpEnrollment");
const RecoveryCodesSchema = z.object({ recovery_codes: z.array(z.string()).openapi({ description: "Single-use codes; shown this once" }) }).openapi("MfaRecoveryCodes");
const StatusSchema = z.object({ enabled: z.boolean(), verified_at: z.string().nullable(), recovery_codes_remaining: z.number().int() }).openapi("MfaStatus");
const EnrolledSignInSchema = AuthResponseSchema.extend({ recovery_codes: z.array(z.string()) }).openapi("MfaEnrolledSignIn");

/** Registers the MFA routes: HTTP only (parsing, shapes, who is asking). */
export function registerMfaRoutes(ctx: PluginContext, mfa: Mfa): void {
  const { router, http } = ctx;
  const sessionOrTicket = http.optionalAuth(["session"]);

  /** The ticket when one is sent (required MFA), else the signed-in user. @throws AuthenticationError `unauthorized` */
  function subjectOf(c: Context<AuthsomeEnv>, mfaTicket: string | undefined): EnrollSubject {
    if (mfaTicket !== undefined) return { ticket: mfaTicket };
    const principal = http.principal(c);
    if (principal?.kind !== "session") throw new AuthenticationError("unauthorized", "Sign in, or send the mfa_ticket of a sign-in that requires enrolment");
    return { user: principal.user as User };
  }
  const proofOf = (body: { code?: string | undefined; recovery_code?: string | undefined }): MfaProof =>
    body.code !== undefined ? { code: body.code } : { recoveryCode: body.recovery_code as string };

  router.openapi(
    createRoute({
      middleware: [sessionOrTicket] as const,
      method: "post",
      path: "/mfa/totp/enroll",
      request: optionalJsonBody(z.strictObject({ mfa_ticket: ticket.optional() }).openapi("MfaEnroll")),
      responses: { 200: jsonResponse(EnrollmentSchema, "A new, unverified enrolment (an earlier unverified one is replaced)"), ...errorResponses(400, 401, 409, 429) },
    }),
    async (c) => {
      const body = (c.req.valid("json") ?? {}) as { mfa_ticket?: string };
      const started = await mfa.enroll(subjectOf(c, body.mfa_ticket), c.get("meta"));
      return c.json({ secret: started.secret, otpauth_url: started.otpauthUrl, qr_svg: started.qrSvg }, 200);
    },
  );

  router.openapi(
    createRoute({
      middleware: [sessionOrTicket] as const,
      method: "post",
      path: "/mfa/totp/verify",
      request: jsonBody(z.strictObject({ code: totpCode, mfa_ticket: ticket.optional() }).openapi("MfaVerify")),
      responses: {
        200: jsonResponse(z.union([RecoveryCodesSchema, EnrolledSignInSchema]), "MFA on: the recovery codes — with a ticket, also the sign-in it completes"),
        ...errorResponses(400, 401, 403, 409, 429),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const verified = await mfa.verify(subjectOf(c, body.mfa_ticket), body.code, c.get("meta"));
      if (verified.result) return http.sendSignIn(c, verified.result, { body: { recovery_codes: verified.recoveryCodes } });
      return c.json({ recovery_codes: verified.recoveryCodes }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "post",
      path: "/mfa/challenge",
      request: jsonBody(withProof({ mfa_ticket: ticket }).openapi("MfaChallenge")),
      responses: { 200: jsonResponse(AuthResponseSchema, "Signed in"), ...errorResponses(400, 401, 403, 429) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      return http.sendSignIn(c, await mfa.challenge(body.mfa_ticket, proofOf(body), c.get("meta")));
    },
  );

  router.openapi(
    createRoute({
      middleware: [http.requireSession] as const,
      method: "post",
      path: "/mfa/recovery-codes",
      request: jsonBody(withProof({}).openapi("MfaStepUp")),
      responses: { 200: jsonResponse(RecoveryCodesSchema, "New recovery codes; the old ones no longer work"), ...errorResponses(400, 401, 404, 429) },
    }),
    async (c) => {
      const codes = await mfa.regenerate(http.session(c).user, proofOf(c.req.valid("json")), c.get("meta"));
      return c.json({ recovery_codes: codes }, 200);
    },
  );

  router.openapi(
    createRoute({
      middleware: [http.requireSession] as const,
      method: "delete",
      path: "/mfa/totp",
      request: jsonBody(withProof({}).openapi("MfaStepUp")),
      responses: { 200: jsonResponse(StatusOkSchema, "MFA off: the enrolment and recovery codes are deleted"), ...errorResponses(400, 401, 404, 429) },
    }),
    async (c) => {
      await mfa.disable(http.session(c).user, proofOf(c.req.valid("json")), c.get("meta"));
      return c.json({ status: "ok" as const }, 200);
    },
  );

  router.openapi(
    createRoute({
      middleware: [http.requireSession] as const,
      method: "get",
      path: "/mfa",
      responses: { 200: jsonResponse(StatusSchema, "The caller's MFA status"), ...errorResponses(401) },
    }),
    async (c) => {
      const status = await mfa.status(http.session(c).user);
      return c.json({ enabled: status.enabled, verified_at: status.verifiedAt?.toISOString() ?? null, recovery_codes_remaining: status.recoveryCodesRemaining }, 200);
    },
  );
}
