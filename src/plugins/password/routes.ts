import { createRoute, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { AuthenticationError } from "../../errors.js";
import {
  AuthResponseSchema,
  type AuthsomeEnv,
  EmailSchema as email,
  errorResponses,
  jsonBody,
  jsonResponse,
  MetadataSchema,
  NameSchema,
  type PluginContext,
  StatusOkSchema,
  toAuthResponseBody,
  toUserBody,
  type User,
  UsernameSchema as username,
  UserSchema,
} from "../../plugin/index.js";
import type { PasswordService } from "./service.js";

// Passwords are bounded here only against abuse (huge bodies); the policy decides what is acceptable.
const password = z.string().min(1).max(1024);
const ok = { status: "ok" as const };
type Auth = MiddlewareHandler<AuthsomeEnv>;

const SignUpBody = z
  .strictObject({
    email,
    password,
    first_name: NameSchema.optional(),
    last_name: NameSchema.optional(),
    username: username.optional(),
    metadata: MetadataSchema.optional(),
  })
  .openapi("SignUp");
const SignInBody = z
  .union([z.strictObject({ email, password }), z.strictObject({ username: z.string().min(1).max(64), password })])
  .openapi("SignIn");

const signUp = createRoute({
  method: "post",
  path: "/signup",
  request: jsonBody(SignUpBody),
  responses: {
    201: jsonResponse(z.union([AuthResponseSchema, z.object({ user: UserSchema, verification_required: z.literal(true) })]), "Signed up"),
    ...errorResponses(400, 403, 409, 429),
  },
});
const signIn = createRoute({
  method: "post",
  path: "/signin",
  request: jsonBody(SignInBody),
  responses: { 200: jsonResponse(AuthResponseSchema, "Signed in"), ...errorResponses(400, 401, 403, 429) },
});
const changePassword = (auth: Auth) => createRoute({
  middleware: [auth] as const,
  method: "post",
  path: "/change-password",
  request: jsonBody(z.strictObject({ current_password: password, new_password: password, revoke_other_sessions: z.boolean().optional() })),
  responses: { 200: jsonResponse(StatusOkSchema, "Changed"), ...errorResponses(400, 401, 403) },
});
const forgotPassword = createRoute({
  method: "post",
  path: "/forgot-password",
  request: jsonBody(z.strictObject({ email })),
  responses: { 200: jsonResponse(StatusOkSchema, "Accepted (whether or not the account exists)"), ...errorResponses(400, 429) },
});
const resetPassword = createRoute({
  method: "post",
  path: "/reset-password",
  request: jsonBody(z.strictObject({ token: z.string().min(1).max(256), new_password: password })),
  responses: { 200: jsonResponse(StatusOkSchema, "Password reset; every session revoked"), ...errorResponses(400) },
});
const verifyEmail = (auth: Auth) => createRoute({
  middleware: [auth] as const,
  method: "post",
  path: "/verify-email",
  request: jsonBody(
    z.union([
      z.strictObject({ token: z.string().min(1).max(256) }),
      z.strictObject({ code: z.string().regex(/^\d{6}$/, "must be 6 digits"), email: email.optional() }),
    ]),
  ),
  responses: { 200: jsonResponse(StatusOkSchema, "Verified"), ...errorResponses(400, 401, 429) },
});
const resend = (auth: Auth) => createRoute({
  middleware: [auth] as const,
  method: "post",
  path: "/verify-email/resend",
  // Without `email`, the signed-in user's address.
  request: { body: { content: { "application/json": { schema: z.strictObject({ email: email.optional() }) } }, required: false } },
  responses: { 200: jsonResponse(StatusOkSchema, "Accepted (whether or not the account exists)"), ...errorResponses(400, 401, 429) },
});
const unlockAccount = createRoute({
  method: "post",
  path: "/unlock-account",
  request: jsonBody(z.strictObject({ token: z.string().min(1).max(256) })),
  responses: { 200: jsonResponse(StatusOkSchema, "The lock is lifted"), ...errorResponses(400) },
});

/** Registers the password plugin's routes: HTTP only (parsing, snake_case ↔ camelCase, shapes). */
export function registerPasswordRoutes(ctx: PluginContext, passwords: PasswordService): void {
  const { router, http } = ctx;
  // Routes where signing in is optional: a code or a resend without an email is the signed-in user's.
  const optionalSession = http.optionalAuth(["session"]);
  const signedInUser = (c: Parameters<typeof http.principal>[0]) => http.principal(c)?.user ?? null;

  router.openapi(signUp, async (c) => {
    const body = c.req.valid("json");
    const result = await passwords.signUp(
      {
        email: body.email,
        password: body.password,
        ...(body.first_name !== undefined ? { firstName: body.first_name } : {}),
        ...(body.last_name !== undefined ? { lastName: body.last_name } : {}),
        ...(body.username !== undefined ? { username: body.username } : {}),
        ...(body.metadata !== undefined ? { metadata: body.metadata } : {}),
      },
      c.get("meta"),
      http.linkBase(c),
    );
    if (result.verificationRequired) return c.json({ user: toUserBody(result.user), verification_required: true as const }, 201);
    if (result.challenge) return http.sendSignIn(c, result.challenge, { status: 201 }); // 403 with the gate's ticket
    http.setSessionCookies(c, result);
    http.setDeviceCookie(c, result.deviceCookie);
    return c.json(toAuthResponseBody(result), 201);
  });

  router.openapi(signIn, async (c) => {
    const body = c.req.valid("json");
    const result = await passwords.signIn(
      "email" in body ? { email: body.email, password: body.password } : { username: body.username, password: body.password },
      c.get("meta"),
      { deviceCookie: http.deviceCookie(c), linkBase: http.linkBase(c) },
    );
    return http.sendSignIn(c, result);
  });

  router.openapi(changePassword(http.requireSession), async (c) => {
    const body = c.req.valid("json");
    const { user, session } = http.session(c);
    await passwords.changePassword(
      user,
      {
        currentPassword: body.current_password,
        newPassword: body.new_password,
        revokeOtherSessions: body.revoke_other_sessions ?? true,
        currentSessionId: session.id,
      },
      c.get("meta"),
    );
    return c.json(ok, 200);
  });

  router.openapi(forgotPassword, async (c) => {
    await passwords.forgotPassword(c.req.valid("json").email, c.get("meta"), http.linkBase(c));
    return c.json(ok, 200);
  });

  router.openapi(resetPassword, async (c) => {
    const body = c.req.valid("json");
    await passwords.resetPassword(body.token, body.new_password, c.get("meta"));
    return c.json(ok, 200);
  });

  router.openapi(verifyEmail(optionalSession), async (c) => {
    const body = c.req.valid("json");
    if ("token" in body) {
      await passwords.verifyEmailToken(body.token, c.get("meta"));
      return c.json(ok, 200);
    }
    if (body.email !== undefined) {
      await passwords.verifyEmailCode({ email: body.email }, body.code, c.get("meta"));
      return c.json(ok, 200);
    }
    // A code without an email belongs to the signed-in user.
    const user = signedInUser(c);
    if (!user) throw new AuthenticationError("unauthorized", "Sign in, or send the email with the code");
    await passwords.verifyEmailCode({ user }, body.code, c.get("meta"));
    return c.json(ok, 200);
  });

  router.openapi(resend(optionalSession), async (c) => {
    const body = c.req.valid("json") as { email?: string } | undefined;
    let target: { email: string } | { user: User };
    if (body?.email !== undefined) target = { email: body.email };
    else {
      const user = signedInUser(c);
      if (!user) throw new AuthenticationError("unauthorized", "Sign in, or send the email to verify");
      target = { user };
    }
    await passwords.resendVerification(target, c.get("meta"), http.linkBase(c));
    return c.json(ok, 200);
  });

  router.openapi(unlockAccount, async (c) => {
    await passwords.unlockAccount(c.req.valid("json").token, c.get("meta"));
    return c.json(ok, 200);
  });
}
