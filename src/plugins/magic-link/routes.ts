import { createRoute, z } from "@hono/zod-openapi";
import { AuthResponseSchema, EmailSchema, errorResponses, jsonBody, jsonResponse, type PluginContext, StatusOkSchema } from "../../plugin/index.js";
import type { MagicLinks } from "./service.js";

const MagicLinkAuthResponseSchema = AuthResponseSchema.extend({
  /** Whether this sign-in created the account. */
  is_new_user: z.boolean(),
  /** The `redirect_to` the link was asked with, or null. */
  redirect_to: z.string().nullable(),
}).openapi("MagicLinkAuthResponse");

const send = createRoute({
  method: "post",
  path: "/magic-link/send",
  request: jsonBody(z.strictObject({ email: EmailSchema, redirect_to: z.string().max(2048).optional() }).openapi("MagicLinkSend")),
  responses: { 200: jsonResponse(StatusOkSchema, "Accepted (whether or not the account exists)"), ...errorResponses(400, 429) },
});
const verify = createRoute({
  method: "post",
  path: "/magic-link/verify",
  request: jsonBody(z.strictObject({ token: z.string().min(1).max(256) }).openapi("MagicLinkVerify")),
  responses: { 200: jsonResponse(MagicLinkAuthResponseSchema, "Signed in"), ...errorResponses(400, 403, 429) },
});

/** Registers `POST /magic-link/send` and `POST /magic-link/verify`: HTTP only (parsing, shapes). */
export function registerMagicLinkRoutes(ctx: PluginContext, links: MagicLinks): void {
  const { router, http } = ctx;

  router.openapi(send, async (c) => {
    const body = c.req.valid("json");
    // Bad input changes nothing: the target is checked before anything is counted or queued.
    const redirectTo = body.redirect_to === undefined ? null : http.checkRedirect(c, body.redirect_to);
    await links.send(body.email, c.get("meta"), redirectTo, http.linkBase(c));
    return c.json({ status: "ok" as const }, 200);
  });

  router.openapi(verify, async (c) => {
    const { result, isNewUser, redirectTo } = await links.verify(c.req.valid("json").token, c.get("meta"));
    return http.sendSignIn(c, result, { body: { is_new_user: isNewUser, redirect_to: redirectTo } });
  });
}
