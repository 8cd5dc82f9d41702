import { createRoute, z } from "@hono/zod-openapi";
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import {
  AuthResponseSchema,
  errorResponses,
  jsonBody,
  jsonResponse,
  NameSchema,
  optionalJsonBody,
  pageQuerySchema,
  type PluginContext,
  StatusOkSchema,
  typeIdSchema,
} from "../../plugin/index.js";
import type { Passkey, Passkeys } from "./service.js";

/** base64url text of at most `max` characters (WebAuthn's binary fields as JSON carries them). */
const base64url = (max: number) => z.string().min(1).max(max).regex(/^[A-Za-z0-9_-]+$/, "must be base64url");
/** A passkey's name: 1–100 characters, trimmed, no control characters. */
export const PasskeyNameSchema = z
  .string()
  .trim()
  .min(1)
  .pipe(NameSchema)
  .openapi({ example: "MacBook Touch ID", minLength: 1, maxLength: 100, description: "1–100 characters (trimmed); no control characters, bidirectional overrides or isolates, or unpaired surrogates" });
const transports = z.array(z.string().max(32)).max(10);
const credentialFields = {
  id: base64url(1366),
  rawId: base64url(1366),
  type: z.literal("public-key"),
  clientExtensionResults: z.record(z.string(), z.unknown()),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
};

/** `@simplewebauthn/browser`'s `startRegistration()` result (fields the browser adds are let through unread). */
export const RegistrationResponseSchema = z
  .object({
    ...credentialFields,
    response: z.object({
      clientDataJSON: base64url(8192),
      attestationObject: base64url(65536),
      transports: transports.optional(),
      authenticatorData: base64url(65536).optional(),
      publicKey: base64url(8192).optional(),
      publicKeyAlgorithm: z.number().int().optional(),
    }),
  })
  .openapi("PasskeyRegistrationResponse");

/** `startAuthentication()`'s result. */
export const AuthenticationResponseSchema = z
  .object({
    ...credentialFields,
    response: z.object({
      clientDataJSON: base64url(8192),
      authenticatorData: base64url(65536),
      signature: base64url(8192),
      userHandle: base64url(1024).optional(),
    }),
  })
  .openapi("PasskeyAuthenticationResponse");

const PasskeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
    transports: z.array(z.string()),
    aaguid: z.string(),
    device_type: z.string().openapi({ description: "`multiDevice` (syncable) or `singleDevice`" }),
    backup_eligible: z.boolean(),
    backed_up: z.boolean(),
    flagged: z.boolean().openapi({ description: "Its sign counter went backwards (a cloned authenticator): it no longer signs in" }),
  })
  .openapi("Passkey");

const CreationOptionsSchema = z
  .object({ options: z.record(z.string(), z.unknown()).openapi({ description: "PublicKeyCredentialCreationOptionsJSON, for startRegistration({ optionsJSON })" }) })
  .openapi("PasskeyCreationOptions");
const RequestOptionsSchema = z
  .object({
    ceremony_id: z.string().openapi({ description: "Send it back with the response" }),
    options: z.record(z.string(), z.unknown()).openapi({ description: "PublicKeyCredentialRequestOptionsJSON, for startAuthentication({ optionsJSON })" }),
  })
  .openapi("PasskeyRequestOptions");
const ceremonyId = z.string().min(1).max(128).openapi({ description: "the `ceremony_id` of POST /passkeys/login/options" });
const passkeyId = z.object({ id: typeIdSchema("apsk") });

export function toPasskeyBody(passkey: Passkey): z.infer<typeof PasskeySchema> {
  return {
    id: passkey.id,
    name: passkey.name,
    created_at: passkey.createdAt.toISOString(),
    last_used_at: passkey.lastUsedAt?.toISOString() ?? null,
    transports: passkey.transports,
    aaguid: passkey.aaguid,
    device_type: passkey.deviceType,
    backup_eligible: passkey.backupEligible,
    backed_up: passkey.backedUp,
    flagged: passkey.flaggedAt !== null,
  };
}

/** Registers the passkey routes: HTTP only (parsing, shapes, who is asking). */
export function registerPasskeyRoutes(ctx: PluginContext, passkeys: Passkeys): void {
  const { router, http } = ctx;

  router.openapi(
    createRoute({
      middleware: [http.requireSession] as const,
      method: "post",
      path: "/passkeys/register/options",
      request: optionalJsonBody(z.strictObject({ name: PasskeyNameSchema.optional() }).openapi("PasskeyRegisterOptions")),
      responses: {
        200: jsonResponse(CreationOptionsSchema, "Creation options for navigator.credentials.create (the session must have signed in within the last 5 minutes)"),
        ...errorResponses(400, 401, 403, 429),
      },
    }),
    async (c) => {
      const body = (c.req.valid("json") ?? {}) as { name?: string };
      const { user, session } = http.session(c);
      const options = await passkeys.registrationOptions(user, c.get("meta"), body.name ?? null, session);
      return c.json({ options: options as unknown as Record<string, unknown> }, 200);
    },
  );

  router.openapi(
    createRoute({
      middleware: [http.requireSession] as const,
      method: "post",
      path: "/passkeys/register/verify",
      request: jsonBody(z.strictObject({ response: RegistrationResponseSchema, name: PasskeyNameSchema.optional() }).openapi("PasskeyRegisterVerify")),
      responses: { 201: jsonResponse(PasskeySchema, "The passkey, registered"), ...errorResponses(400, 401, 409, 429) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const passkey = await passkeys.register(http.session(c).user, body.response as RegistrationResponseJSON, c.get("meta"), body.name ?? null);
      return c.json(toPasskeyBody(passkey), 201);
    },
  );

  router.openapi(
    createRoute({
      method: "post",
      path: "/passkeys/login/options",
      responses: { 200: jsonResponse(RequestOptionsSchema, "Request options for a discoverable sign-in (also for autofill: mediation \"conditional\")"), ...errorResponses(429) },
    }),
    async (c) => {
      const { ceremonyId: id, options } = await passkeys.loginOptions(c.get("meta"));
      return c.json({ ceremony_id: id, options: options as unknown as Record<string, unknown> }, 200);
    },
  );

  router.openapi(
    createRoute({
      method: "post",
      path: "/passkeys/login/verify",
      request: jsonBody(z.strictObject({ ceremony_id: ceremonyId, response: AuthenticationResponseSchema }).openapi("PasskeyLoginVerify")),
      responses: { 200: jsonResponse(AuthResponseSchema, "Signed in"), ...errorResponses(400, 401, 403, 429) },
    }),
    async (c) => {
      const body = c.req.valid("json");
      return http.sendSignIn(c, await passkeys.login(body.ceremony_id, body.response as AuthenticationResponseJSON, c.get("meta")));
    },
  );

  router.openapi(
    createRoute({
      middleware: [http.requireSession] as const,
      method: "get",
      path: "/passkeys",
      request: { query: pageQuerySchema("apsk") },
      responses: { 200: jsonResponse(z.object({ items: z.array(PasskeySchema), next_cursor: z.string().nullable() }), "The caller's passkeys, newest first"), ...errorResponses(400, 401) },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const page = await passkeys.list(http.session(c).user, { limit: query.limit ?? 20, cursor: query.cursor ?? null });
      return c.json({ items: page.items.map(toPasskeyBody), next_cursor: page.nextCursor }, 200);
    },
  );

  router.openapi(
    createRoute({
      middleware: [http.requireSession] as const,
      method: "patch",
      path: "/passkeys/{id}",
      request: { params: passkeyId, ...jsonBody(z.strictObject({ name: PasskeyNameSchema }).openapi("PasskeyRename")) },
      responses: { 200: jsonResponse(PasskeySchema, "Renamed"), ...errorResponses(400, 401, 404) },
    }),
    async (c) => {
      const passkey = await passkeys.rename(http.session(c).user, c.req.valid("param").id, c.req.valid("json").name, c.get("meta"));
      return c.json(toPasskeyBody(passkey), 200);
    },
  );

  router.openapi(
    createRoute({
      middleware: [http.requireSession] as const,
      method: "delete",
      path: "/passkeys/{id}",
      request: { params: passkeyId },
      responses: { 200: jsonResponse(StatusOkSchema, "Deleted"), ...errorResponses(400, 401, 404, 409) },
    }),
    async (c) => {
      await passkeys.remove(http.session(c).user.id, c.req.valid("param").id, c.get("meta"));
      return c.json({ status: "ok" as const }, 200);
    },
  );
}
