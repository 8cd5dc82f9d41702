// A sign-in method of its own: a one-time code by mail. Written as a third party would, on the kit alone
// (`authsome/plugin`): a ceremony holds the code's keyed hash, the outbox mails it after the response, and
// `ctx.signIns.complete` ends the sign-in, so bans, email verification and second-factor gates apply.
import { createRoute, z } from "@hono/zod-openapi";
import {
  AuthResponseSchema,
  type AuthsomePlugin,
  EmailSchema,
  errorResponses,
  generateNumericCode,
  hashToken,
  jsonBody,
  jsonResponse,
  normalizeIdentifier,
  type PluginContext,
  type RequestMeta,
  type SignInResult,
  ValidationError,
} from "authsome/plugin";

export interface EmailCodeOptions {
  /** How long a code (and its ticket) lives. Default 600. */
  codeTtlSeconds?: number;
  /** Answers counted per ticket, right ones included; past them the ticket is dead. Default 5. */
  maxAttempts?: number;
}

/** Merged into `auth.api` (named apart from the password plugin's `verifyEmailCode`). */
export interface EmailCodeApi {
  /** Always resolves with a ticket; the code is mailed after the response, only when the account exists. */
  sendSignInCode(email: string, meta: RequestMeta, linkBase?: string | null): Promise<{ ticket: string }>;
  /** @throws ValidationError `invalid_code` | `invalid_ticket`; ForbiddenError as `signIns.complete`. */
  signInWithCode(ticket: string, code: string, meta: RequestMeta): Promise<SignInResult>;
}

const kind = "email_code";
/** Codes one address may be sent per code lifetime, whoever asks: what bounds guessing against one account. */
const codesPerAddress = 5;
type Pending = { email: string; codeHash: string; deliverable: boolean };
const invalidCode = () => new ValidationError("invalid_code", "The code is wrong", { details: { fields: { code: "is wrong" } } });
const invalidTicket = () =>
  new ValidationError("invalid_ticket", "The ticket is invalid, expired or used up", { details: { fields: { ticket: "is invalid, expired or used up" } } });

const start = createRoute({
  method: "post",
  path: "/email-code/start",
  request: jsonBody(z.strictObject({ email: EmailSchema })),
  responses: { 200: jsonResponse(z.object({ status: z.literal("ok"), ticket: z.string() }), "Ticket (whether or not the account exists)"), ...errorResponses(400, 429) },
});
const verify = createRoute({
  method: "post",
  path: "/email-code/verify",
  request: jsonBody(z.strictObject({ ticket: z.string().min(1).max(256), code: z.string().regex(/^\d{6}$/, "must be 6 digits") })),
  responses: { 200: jsonResponse(AuthResponseSchema, "Signed in"), ...errorResponses(400, 403, 429) },
});

function createEmailCodes(ctx: PluginContext, ttlSeconds: number, maxAttempts: number): EmailCodeApi {
  const findUser = (email: string) => ctx.store.users.findByEmail(ctx.scope(), email);
  return {
    async sendSignInCode(email, meta, linkBase) {
      await ctx.protection.limit("emailCodeStart", meta);
      const address = normalizeIdentifier(email);
      const code = generateNumericCode(6, ctx.random);
      // Past the address's budget a ticket still comes back (the answer tells nothing), but no code is sent for it and
      // none answers it: guesses against one account stay bounded however many IPs ask.
      const { appId, envId } = ctx.scope();
      const budget = await ctx.store.rateLimits.hit(`email-code:${hashToken(`${appId}:${envId}:${address}`)}`, ttlSeconds, ctx.now());
      const deliverable = budget.count <= codesPerAddress;
      // The same writes for every address: whether the account exists is decided after the response.
      const pending: Pending = { email: address, codeHash: ctx.codes.hash(kind, address, code), deliverable };
      const ticket = await ctx.ceremonies.begin(kind, pending, ttlSeconds, { prefix: "ec_" });
      const base = linkBase === undefined ? ctx.config.appUrl : linkBase;
      ctx.outbox.later(kind, async () => {
        const user = deliverable ? await findUser(address) : null;
        if (!user) return;
        if (base === null) return ctx.logger.warn("mail not sent: no safe link base", { type: kind });
        if (!(await ctx.outbox.allowRecipient(user.email))) return;
        const minutes = Math.ceil(ttlSeconds / 60);
        const text = `Your sign-in code is ${code}. Enter it in the browser that asked for it, or open ${base}/sign-in/email-code?code=${code} there.\n\nIt works once and expires in ${minutes} minutes. If you did not ask for it, ignore this message.\n`;
        ctx.outbox.send({ to: user.email, subject: "Your sign-in code", text }, { userId: user.id, type: kind });
        await ctx.events.emit("email_code.sent", { userId: user.id, meta });
      });
      return { ticket };
    },

    async signInWithCode(ticket, code, meta) {
      await ctx.protection.limit("emailCodeVerify", meta);
      // Counted before the comparison, so concurrent guesses cannot exceed maxAttempts.
      const open = await ctx.ceremonies.attempt<Pending>(kind, ticket, maxAttempts);
      if (!open) throw invalidTicket();
      const user = await findUser(open.payload.email);
      if (!user || !open.payload.deliverable || !ctx.codes.verify(open.payload.codeHash, kind, open.payload.email, code)) {
        await ctx.events.emit("email_code.failed", { userId: user?.id ?? null, meta, metadata: { attempts: open.attempts } });
        throw invalidCode();
      }
      if (!(await ctx.ceremonies.consume(kind, ticket))) throw invalidTicket(); // a concurrent right answer won
      // The code reached this mailbox: that proves the address — recorded once the sign-in got past the ban check.
      const result = await ctx.signIns.complete({ ...user, emailVerified: true }, meta, { method: kind });
      if (!user.emailVerified) {
        const verified = await ctx.store.users.update(ctx.scope(), user.id, { emailVerified: true }, ctx.now());
        await ctx.events.emit("user.email_verified", { userId: user.id, meta, metadata: { method: kind } });
        await ctx.hooks.after("emailVerified.after", { user: verified, meta }, ctx.store);
      }
      return result;
    },
  };
}

/** Sign-in by a 6-digit code mailed to the address: `POST /email-code/start`, then `POST /email-code/verify`. */
export function emailCode(options: EmailCodeOptions = {}): AuthsomePlugin<EmailCodeApi> {
  const { codeTtlSeconds = 600, maxAttempts = 5 } = options;
  for (const [name, value] of Object.entries({ codeTtlSeconds, maxAttempts })) {
    if (!Number.isInteger(value) || value < 1) throw new ValidationError("invalid_config", `emailCode: ${name} must be a positive integer`);
  }
  return {
    id: "email-code",
    events: ["email_code.sent", "email_code.failed"],
    rateLimits: { emailCodeStart: 10, emailCodeVerify: 30 },
    setup(ctx) {
      const api = createEmailCodes(ctx, codeTtlSeconds, maxAttempts);
      ctx.router.openapi(start, async (c) => {
        const { ticket } = await api.sendSignInCode(c.req.valid("json").email, c.get("meta"), ctx.http.linkBase(c));
        return c.json({ status: "ok" as const, ticket }, 200);
      });
      ctx.router.openapi(verify, async (c) => {
        const body = c.req.valid("json");
        return ctx.http.sendSignIn(c, await api.signInWithCode(body.ticket, body.code, c.get("meta")));
      });
      return api;
    },
  };
}
