/**
 * The `passkey` plugin: WebAuthn registration for signed-in users and passwordless, discoverable sign-in (no email
 * typed; autofill too), on `@simplewebauthn/server`. Every credential is stored and every operation is scoped to its
 * owner; a challenge is a single-use ceremony; a sign counter that goes backwards flags the credential.
 * @module
 */
import type { AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON } from "@simplewebauthn/server";
import {
  type AuthsomePlugin,
  builtInMigrationGroup,
  type Duration,
  durationSeconds,
  invalidRequest,
  type MigrationGroup,
  NotFoundError,
  type Page,
  type PageRequest,
  type RequestMeta,
  type SignInResult,
  ValidationError,
} from "../../plugin/index.js";
import { relyingParty } from "./relying-party.js";
import { AuthenticationResponseSchema, PasskeyNameSchema, RegistrationResponseSchema, registerPasskeyRoutes } from "./routes.js";
import { createPasskeys, type Passkey, passkeyEvents, passkeyRateLimits } from "./service.js";
import { passkeyStore } from "./store.js";

/** The `passkey` migration group: pass it to `migrate(db, [passkeyMigrations])` (or the CLI's `--plugins passkey`). */
export const passkeyMigrations: MigrationGroup = builtInMigrationGroup("passkey");

export interface PasskeyOptions {
  /** The RP ID credentials are scoped to: a host name, never an IP address. Default: the host of `config.appUrl` (`localhost` without one). */
  rpId?: string;
  /** The name authenticators show. Default: the app's name. */
  rpName?: string;
  /**
   * The origins ceremonies may come from (each on `rpId` or a subdomain; `https://`). Default: `config.appUrl`'s
   * origin. With `rpId` `localhost`, every `http://localhost:<port>` is accepted too.
   */
  origins?: string[];
  /** Default `preferred`: a sign-in with user verification also passes the MFA gate; `required` refuses one without. */
  userVerification?: "required" | "preferred" | "discouraged";
  /** How long a ceremony (and the browser's prompt) lasts. Default `5m`. */
  timeout?: Duration;
}

/** What the plugin adds to `auth.api`. */
export interface PasskeyApi {
  /** Creation options for a new passkey of the user (`startRegistration({ optionsJSON })`). @throws NotFoundError; RateLimitError */
  passkeyRegistrationOptions(userId: string, meta: RequestMeta, options?: { name?: string }): Promise<PublicKeyCredentialCreationOptionsJSON>;
  /** Verifies and stores it. @throws ValidationError `invalid_passkey`; ConflictError `passkey_exists`; RateLimitError */
  verifyPasskeyRegistration(userId: string, response: RegistrationResponseJSON, meta: RequestMeta, options?: { name?: string }): Promise<Passkey>;
  /** Request options for a discoverable sign-in, and the ceremony id to answer with. @throws RateLimitError */
  passkeyLoginOptions(meta: RequestMeta): Promise<{ ceremonyId: string; options: PublicKeyCredentialRequestOptionsJSON }>;
  /** Signs in with an assertion: the session (or a later gate's challenge). @throws AuthenticationError `invalid_passkey`; RateLimitError; ForbiddenError */
  verifyPasskeyLogin(ceremonyId: string, response: AuthenticationResponseJSON, meta: RequestMeta): Promise<SignInResult>;
  listPasskeys(userId: string, page?: PageRequest): Promise<Page<Passkey>>;
  /** @throws NotFoundError for a passkey the user does not have */
  renamePasskey(userId: string, passkeyId: string, name: string, meta: RequestMeta): Promise<Passkey>;
  /** @throws NotFoundError; ConflictError `last_sign_in_method` */
  deletePasskey(userId: string, passkeyId: string, meta: RequestMeta): Promise<void>;
}

const passkeyIdShape = /^apsk_[0-7][0-9a-hjkmnp-tv-z]{25}$/;

/** In-process input as the routes' schemas take it: bad input is refused before anything is counted or consumed. */
function checked<T>(schema: { safeParse(value: unknown): { success: true; data: unknown } | { success: false } }, value: unknown, field: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidRequest({ [field]: "is not a valid value" });
  return parsed.data as T;
}
const checkedName = (name: string | undefined) => (name === undefined ? null : checked<string>(PasskeyNameSchema, name, "name"));
function checkedId(id: string): string {
  if (typeof id !== "string" || !passkeyIdShape.test(id)) throw new NotFoundError("not_found", "No such passkey");
  return id;
}

/**
 * @example
 * ```ts
 * import { passkey } from "authsome/plugins/passkey";
 *
 * const auth = createAuthsome({
 *   store,
 *   plugins: [password(), passkey({ rpId: "example.com", origins: ["https://app.example.com"] })],
 *   config: { secret, appUrl: "https://app.example.com" },
 * });
 * ```
 * @throws ValidationError `invalid_config` for a bad `rpId`, `origins`, `userVerification` or `timeout` (at setup,
 *   where the defaults from `config.appUrl` are known).
 */
export function passkey(options: PasskeyOptions = {}): AuthsomePlugin<PasskeyApi> {
  const { rpId, rpName, origins, userVerification, timeout = "5m" } = options;
  const timeoutSeconds = durationSeconds(timeout, "passkey.timeout");
  if (rpName !== undefined && (typeof rpName !== "string" || !rpName.trim() || rpName.length > 100)) {
    throw new ValidationError("invalid_config", "passkey.rpName must be 1 to 100 characters", { details: { field: "passkey.rpName" } });
  }
  return {
    id: "passkey",
    migrations: passkeyMigrations,
    events: passkeyEvents,
    rateLimits: passkeyRateLimits,
    hooks: {
      // A deleted account keeps no credential.
      "deleteUser.before": async ({ user }, repos) => void (await passkeyStore(repos).deleteAllByUser(user.id)),
    },
    setup(ctx) {
      const rp = relyingParty({ rpId, origins, userVerification, timeoutSeconds }, ctx.config.appUrl);
      const passkeys = createPasskeys(ctx, rp, { rpName: rpName?.trim() ?? null });
      ctx.signInMethods.add({ id: "passkey", list: (user, repos) => passkeys.methodsOf(user, repos) });
      registerPasskeyRoutes(ctx, passkeys);
      return {
        passkeyRegistrationOptions: async (userId, meta, o = {}) => passkeys.registrationOptions(await passkeys.userOf(userId), meta, checkedName(o.name)),
        verifyPasskeyRegistration: async (userId, response, meta, o = {}) => {
          const name = checkedName(o.name);
          return passkeys.register(await passkeys.userOf(userId), checked(RegistrationResponseSchema, response, "response"), meta, name);
        },
        passkeyLoginOptions: (meta) => passkeys.loginOptions(meta),
        verifyPasskeyLogin: async (ceremonyId, response, meta) => {
          if (typeof ceremonyId !== "string" || !ceremonyId || ceremonyId.length > 128) throw invalidRequest({ ceremony_id: "must be 1 to 128 characters" });
          return passkeys.login(ceremonyId, checked(AuthenticationResponseSchema, response, "response"), meta);
        },
        listPasskeys: async (userId, page) => passkeys.list(await passkeys.userOf(userId), page),
        renamePasskey: async (userId, passkeyId, name, meta) => {
          const id = checkedId(passkeyId);
          return passkeys.rename(await passkeys.userOf(userId), id, checked<string>(PasskeyNameSchema, name, "name"), meta);
        },
        deletePasskey: async (userId, passkeyId, meta) => passkeys.remove(userId, checkedId(passkeyId), meta),
      };
    },
  };
}

export type { Passkey };
