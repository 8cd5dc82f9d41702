import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import { typeid } from "typeid-js";
import {
  AuthenticationError,
  ConflictError,
  type EngineContext,
  ForbiddenError,
  generateToken,
  hashToken,
  isEqualHash,
  NotFoundError,
  type Page,
  reauthenticationWindowSeconds,
  type PageRequest,
  type RequestMeta,
  type Session,
  type SignInMethod,
  type SignInResult,
  type StoreRepositories,
  type User,
  ValidationError,
} from "../../plugin/index.js";
import { passkeyAddedMail, passkeyClonedMail } from "./mail.js";
import type { RelyingParty } from "./relying-party.js";
import { passkeyStore, type StoredPasskey } from "./store.js";

/** The events the plugin declares. */
export const passkeyEvents = ["passkey.registered", "passkey.used", "passkey.renamed", "passkey.deleted", "passkey.counter_regression"] as const;

/** Its per-IP limits and their defaults (requests per `config.rateLimits.window`). */
export const passkeyRateLimits = { passkeyRegister: 30, passkeyLoginOptions: 60, passkeyLogin: 30 } as const;

const registerKind = "passkey:register";
const loginKind = "passkey:login";
const defaultName = "Passkey";
const knownTransports = new Set<string>(["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"]);

/** A credential as its owner sees it (never the public key). */
export interface Passkey {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  transports: string[];
  aaguid: string;
  /** `multiDevice` (syncable, BE set) or `singleDevice`. */
  deviceType: string;
  backupEligible: boolean;
  backedUp: boolean;
  /** When its sign counter went backwards (a cloned authenticator): it no longer signs in; delete it. */
  flaggedAt: Date | null;
}

/** A registration ceremony: for whom, and the name asked for at its start. */
interface RegisterPayload extends Record<string, unknown> {
  userId: string;
  name: string | null;
}
/** A login ceremony: the challenge's SHA-256 (the challenge itself is only in the client's hands and the assertion). */
interface LoginPayload extends Record<string, unknown> {
  challengeHash: string;
  /** When it was issued (ms since the epoch): tells a late honest assertion from a copy's (see `login`). */
  issuedAt: number;
}

const toPasskey = (row: StoredPasskey): Passkey => ({
  id: row.id,
  name: row.name,
  createdAt: row.createdAt,
  lastUsedAt: row.lastUsedAt,
  transports: row.transports,
  aaguid: row.aaguid,
  deviceType: row.deviceType,
  backupEligible: row.backupEligible,
  backedUp: row.backedUp,
  flaggedAt: row.flaggedAt,
});

/** The WebAuthn user handle: the user's id as bytes (no personal data), as the authenticator returns it in base64url. */
const userHandleOf = (userId: string) => new TextEncoder().encode(userId);
const userHandleText = (userId: string) => Buffer.from(userId, "utf8").toString("base64url");

/** The client data a response carries (the origin and challenge the browser saw), or null when it is not readable. */
function clientDataOf(clientDataJSON: string): { challenge: string; origin: string } | null {
  try {
    const data = JSON.parse(Buffer.from(clientDataJSON, "base64url").toString("utf8")) as { challenge?: unknown; origin?: unknown; crossOrigin?: unknown };
    // A ceremony in a frame of another site is refused, whether or not the browser names the top origin.
    if (data.crossOrigin === true) return null;
    return typeof data.challenge === "string" && typeof data.origin === "string" ? { challenge: data.challenge, origin: data.origin } : null;
  } catch {
    return null;
  }
}

const invalidPasskey = () => new AuthenticationError("invalid_passkey", "The passkey could not be verified: try again, or sign in another way");
const invalidRegistration = (reason: string) =>
  new ValidationError("invalid_passkey", "The passkey could not be registered: start again", { details: { fields: { response: reason } } });
const passkeyNotFound = () => new NotFoundError("not_found", "No such passkey");

/** The plugin's decisions: registration, discoverable sign-in, and the owner's management of their credentials. */
export function createPasskeys(ctx: EngineContext, rp: RelyingParty, settings: { rpName: string | null }) {
  const { store, now, ceremonies, protection, events, outbox } = ctx;
  const requireUserVerification = rp.userVerification === "required";
  const timeoutMs = rp.timeoutSeconds * 1000;

  /** The registration ceremony a response answers: its challenge is the ceremony's key, consumed once. */
  async function openRegistration(user: User, clientDataJSON: string): Promise<{ payload: RegisterPayload; challenge: string; origin: string }> {
    const client = clientDataOf(clientDataJSON);
    if (!client) throw invalidRegistration("has no readable client data");
    const key = Buffer.from(client.challenge, "base64url").toString("utf8");
    const open = key.startsWith("pkr_") ? await ceremonies.consume<RegisterPayload>(registerKind, key) : null;
    // Another user's challenge is as unknown as a made-up one.
    if (!open || open.payload.userId !== user.id) throw invalidRegistration("answers no open registration of this account: it expired or was used");
    if (!rp.allows(client.origin)) throw invalidRegistration("comes from an origin this app does not accept");
    // The challenge the library checks is the canonical encoding of the key consumed, not the text the client sent
    // (base64url decoding is lenient: other spellings of the same bytes are refused).
    return { payload: open.payload, challenge: Buffer.from(key, "utf8").toString("base64url"), origin: client.origin };
  }

  /** Flags a credential whose counter went backwards after a verified signature, with its event; tells the owner once. */
  async function flagRegression(passkey: StoredPasskey, user: User, counter: number, meta: RequestMeta): Promise<void> {
    const flagged = await store.transaction(async (tx) => {
      if (!(await passkeyStore(tx).flag(passkey.id, now()))) return false;
      await events.emit("passkey.counter_regression", { userId: user.id, meta, metadata: { passkey_id: passkey.id, stored_counter: passkey.counter, presented_counter: counter } }, tx);
      return true;
    });
    if (flagged) outbox.notify(user, "passkey_cloned", () => passkeyClonedMail(user.email, passkey.name));
  }

  return {
    /**
     * Creation options for a new passkey of `user`: a discoverable credential (resident key required), the user's
     * credentials excluded, the challenge a ceremony of theirs (stored hashed) for `timeout`. With the `session` asking
     * (HTTP), it must have signed in within `reauthenticationWindowSeconds`: 403 `reauthentication_required` otherwise.
     */
    async registrationOptions(user: User, meta: RequestMeta, name: string | null, session?: Session): Promise<PublicKeyCredentialCreationOptionsJSON> {
      await protection.limit("passkeyRegister", meta);
      // A passkey is a way in that outlives a password change and, verified, passes the MFA gate: only a sign-in of the
      // last few minutes — one that passed every gate — may add one, never a session token that was merely stolen.
      if (session && now().getTime() - session.createdAt.getTime() > reauthenticationWindowSeconds * 1000) {
        throw new ForbiddenError("reauthentication_required", "Sign in again (within the last 5 minutes) to add a passkey");
      }
      const existing = await passkeyStore(store).credentialsOf(user.id);
      const key = await ceremonies.begin<RegisterPayload>(registerKind, { userId: user.id, name }, rp.timeoutSeconds, { prefix: "pkr_" });
      const person = [user.firstName, user.lastName].filter(Boolean).join(" ");
      return generateRegistrationOptions({
        rpName: settings.rpName ?? ctx.tenant().app.name,
        rpID: rp.rpId,
        userName: user.email || user.username || user.id,
        userDisplayName: person || user.email || user.username,
        userID: userHandleOf(user.id),
        challenge: key,
        timeout: timeoutMs,
        attestationType: "none",
        excludeCredentials: existing.map((c) => ({ id: c.credentialId, transports: c.transports as AuthenticatorTransport[] })),
        authenticatorSelection: { residentKey: "required", requireResidentKey: true, userVerification: rp.userVerification },
      });
    },

    /**
     * Verifies a registration response and stores the credential (with `passkey.registered`, in one transaction); the
     * owner is mailed.
     * @throws ValidationError `invalid_passkey` (400) for a response that answers no open ceremony of the user or does
     *   not verify; ConflictError `passkey_exists`; RateLimitError
     */
    async register(user: User, response: RegistrationResponseJSON, meta: RequestMeta, name: string | null): Promise<Passkey> {
      await protection.limit("passkeyRegister", meta);
      const open = await openRegistration(user, response.response.clientDataJSON);
      let info;
      try {
        const verified = await verifyRegistrationResponse({ response, expectedChallenge: open.challenge, expectedOrigin: open.origin, expectedRPID: rp.rpId, requireUserVerification });
        info = verified.verified ? verified.registrationInfo : null;
      } catch {
        info = null;
      }
      if (!info) throw invalidRegistration("does not verify");
      const { credential } = info;
      const at = now();
      const id = typeid("apsk").toString();
      const label = name ?? open.payload.name ?? defaultName;
      const stored = await store.transaction(async (tx) => {
        const row = await passkeyStore(tx).insert(id, {
          appId: user.appId,
          userId: user.id,
          credentialId: credential.id,
          publicKey: Buffer.from(credential.publicKey),
          counter: credential.counter,
          transports: (credential.transports ?? response.response.transports ?? []).filter((t) => knownTransports.has(t)),
          deviceType: info.credentialDeviceType,
          backupEligible: info.credentialDeviceType === "multiDevice",
          backedUp: info.credentialBackedUp,
          aaguid: info.aaguid,
          name: label,
          createdAt: at,
        });
        await events.emit("passkey.registered", { userId: user.id, meta, metadata: { passkey_id: id, aaguid: info.aaguid, device_type: info.credentialDeviceType } }, tx);
        return row;
      });
      outbox.notify(user, "passkey_added", () => passkeyAddedMail(user.email, label));
      return toPasskey(stored);
    },

    /** Request options for a discoverable sign-in (no `allowCredentials`: the authenticator offers its own), and the ceremony's id. */
    async loginOptions(meta: RequestMeta): Promise<{ ceremonyId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
      await protection.limit("passkeyLoginOptions", meta);
      const options = await generateAuthenticationOptions({
        rpID: rp.rpId,
        allowCredentials: [],
        challenge: generateToken("pkc_", ctx.random),
        timeout: timeoutMs,
        userVerification: rp.userVerification,
      });
      const ceremonyId = await ceremonies.begin<LoginPayload>(loginKind, { challengeHash: hashToken(options.challenge), issuedAt: now().getTime() }, rp.timeoutSeconds, {
        prefix: "pkl_",
      });
      return { ceremonyId, options };
    },

    /**
     * A discoverable sign-in: one statement counts the client's hit, consumes the ceremony (single use) and reads the
     * credential with its user; the assertion is verified (origin, RP ID, challenge, signature, user handle, user
     * presence — and user verification when required); a counter that did not move forward is refused, and flags the
     * credential when the challenge is newer than its last use; a second statement moves the counter forward with
     * `passkey.used`; then `signIns.complete` (method `passkey`; with user verification it passes a second-factor gate).
     * @throws AuthenticationError `invalid_passkey`; RateLimitError; ForbiddenError as `complete`
     */
    async login(ceremonyId: string, response: AuthenticationResponseJSON, meta: RequestMeta): Promise<SignInResult> {
      const ipLimit = protection.limitOf("passkeyLogin", meta);
      const found = await passkeyStore(store).beginLogin({ keyHash: hashToken(ceremonyId), ...ctx.scope(), kind: loginKind }, response.id, now(), ipLimit);
      protection.assertWithin(ipLimit, found.rateLimit);
      const { passkey, user } = found;
      const payload = found.ceremony as LoginPayload | null;
      const client = clientDataOf(response.response.clientDataJSON);
      if (!payload || !passkey || !user || passkey.flaggedAt || !client || !rp.allows(client.origin)) throw invalidPasskey();
      if (response.response.userHandle !== userHandleText(user.id)) throw invalidPasskey();
      let verified;
      try {
        verified = await verifyAuthenticationResponse({
          response,
          expectedChallenge: (challenge) => isEqualHash(hashToken(challenge), payload.challengeHash),
          expectedOrigin: client.origin,
          expectedRPID: rp.rpId,
          // The counter is checked below, after the signature: an unsigned response must not flag anyone's credential.
          credential: { id: passkey.credentialId, publicKey: new Uint8Array(passkey.publicKey), counter: 0, transports: passkey.transports as AuthenticatorTransport[] },
          requireUserVerification,
        });
      } catch {
        throw invalidPasskey();
      }
      if (!verified.verified) throw invalidPasskey();
      const { newCounter, userVerified, credentialBackedUp } = verified.authenticationInfo;
      if ((newCounter > 0 || passkey.counter > 0) && newCounter <= passkey.counter) {
        // An assertion for a challenge issued before the credential's last use can be an honest one that arrived late
        // (two tabs signing in at once): refused, nothing more. One for a challenge issued since can only have been
        // signed by a copy of the authenticator.
        if (payload.issuedAt >= (passkey.lastUsedAt ?? passkey.createdAt).getTime()) await flagRegression(passkey, user, newCounter, meta);
        throw invalidPasskey();
      }
      events.assertKnown("passkey.used");
      const used = await passkeyStore(store).recordUse(
        passkey.id,
        { counter: newCounter, backedUp: credentialBackedUp, at: now() },
        { appId: user.appId, envId: user.envId, type: "passkey.used", ipAddress: meta.ipAddress, userAgent: meta.userAgent, metadata: { passkey_id: passkey.id, user_verified: userVerified } },
      );
      if (!used) throw invalidPasskey(); // a later use, or a flag, came first
      return ctx.signIns.complete(user, meta, { method: "passkey", multiFactor: userVerified });
    },

    async list(user: User, page?: PageRequest): Promise<Page<Passkey>> {
      const found = await passkeyStore(store).list(user.id, page);
      return { items: found.items.map(toPasskey), nextCursor: found.nextCursor };
    },

    /** @throws NotFoundError for a passkey the user does not have (another user's included). */
    async rename(user: User, id: string, name: string, meta: RequestMeta): Promise<Passkey> {
      const renamed = await store.transaction(async (tx) => {
        const row = await passkeyStore(tx).rename(user.id, id, name, now());
        if (row) await events.emit("passkey.renamed", { userId: user.id, meta, metadata: { passkey_id: id } }, tx);
        return row;
      });
      if (!renamed) throw passkeyNotFound();
      return toPasskey(renamed);
    },

    /**
     * Deletes the user's passkey — never their last way in, counted under a lock on the user (`signInMethods.removing`).
     * A flagged passkey signs no one in, so it can always go.
     * @throws NotFoundError; ConflictError `last_sign_in_method`
     */
    async remove(userId: string, id: string, meta: RequestMeta): Promise<void> {
      await ctx.signInMethods.removing(userId, async (tx, user, methods) => {
        const passkey = await passkeyStore(tx).find(user.id, id);
        if (!passkey) throw passkeyNotFound();
        const remaining = methods.filter((m) => !(m.provider === "passkey" && m.providerAccountId === id));
        if (!passkey.flaggedAt && remaining.length === 0) {
          throw new ConflictError("last_sign_in_method", "This passkey is the account's last way to sign in: add another way in first");
        }
        await passkeyStore(tx).delete(user.id, id);
        await events.emit("passkey.deleted", { userId: user.id, meta, metadata: { passkey_id: id } }, tx);
      });
    },

    /** The user's passkeys that sign in, as sign-in methods. */
    async methodsOf(user: User, repos: StoreRepositories): Promise<SignInMethod[]> {
      const rows = await passkeyStore(repos).usableOf(user.id);
      return rows.map((p) => ({ provider: "passkey", providerAccountId: p.id, email: "", linkedAt: p.createdAt }));
    },

    /** The user of the current tenant. @throws NotFoundError */
    async userOf(userId: string): Promise<User> {
      const user = await store.users.findById(ctx.scope(), userId);
      if (!user || user.deletedAt) throw new NotFoundError("not_found", "User not found");
      return user;
    },
  };
}

export type Passkeys = ReturnType<typeof createPasskeys>;
