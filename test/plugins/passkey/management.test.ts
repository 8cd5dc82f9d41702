// The owner's management of their passkeys (list, rename, delete) over HTTP and in process: scoped to the owner, the
// last way in kept, flagged credentials always removable, events and mails; and the plugin's config validation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuthsome } from "../../../src/authsome.js";
import { AuthenticationError, ConflictError, NotFoundError, ValidationError } from "../../../src/errors.js";
import { passkey } from "../../../src/plugins/passkey/index.js";
import { github, social } from "../../../src/plugins/social/index.js";
import { countRows, uniqueEmail } from "../../support/engine.js";
import { thrown } from "../../support/errors.js";
import { rejectionOf } from "../../support/store.js";
import { callbackUrl } from "../social/harness.js";
import { createPasskeyEngine, pageOrigin, password, type PasskeyEngine, registerPasskey, signInWithPasskey, signUp, SoftAuthenticator } from "./support.js";

const meta = { ipAddress: "203.0.113.9", userAgent: "in-process" };

const passkeyFields = ["aaguid", "backed_up", "backup_eligible", "created_at", "device_type", "flagged", "id", "last_used_at", "name", "transports"];

describe("managing passkeys over HTTP", () => {
  let e: PasskeyEngine;
  beforeAll(async () => {
    // social() only for GET /me/accounts (a dummy provider; nothing is fetched).
    e = await createPasskeyEngine({ plugins: [social({ providers: [github({ clientId: "c", clientSecret: "s", redirectURI: callbackUrl("github") })] })] });
  });
  afterAll(async () => {
    await e.drop();
  });

  const eventsOf = async (userId: string, type: string) =>
    (await e.t.query<{ metadata: unknown }>("SELECT metadata FROM authsome_audit_events WHERE user_id = $1 AND type = $2 ORDER BY created_at, id", [userId, type])).map(
      (r) => (typeof r.metadata === "string" ? JSON.parse(r.metadata) : r.metadata) as Record<string, unknown>,
    );
  const nameOf = async (id: string) => (await e.t.query<{ name: string }>("SELECT name FROM authsome_passkeys WHERE id = $1", [id]))[0]?.name;
  /** Leaves the user with no password, so their passkeys are their only way in. */
  const dropPassword = (userId: string) => e.t.query("DELETE FROM authsome_password_hashes WHERE user_id = $1", [userId]);

  it("lists the caller's own passkeys only, newest first, without key material", async () => {
    const owner = await signUp(e, "pk-list");
    const authenticator = new SoftAuthenticator();
    const ids: string[] = [];
    for (const name of ["one", "two", "three"]) ids.push((await registerPasskey(e, owner.token, authenticator, name)).id);
    const someone = await signUp(e, "pk-list-other");
    const theirs = await registerPasskey(e, someone.token, new SoftAuthenticator(), "theirs");

    const list = await e.call("GET", "/passkeys", { token: owner.token });
    expect(list.status).toBe(200);
    expect(list.body.items.map((p: { name: string }) => p.name)).toEqual(["three", "two", "one"]);
    expect(list.body.items.map((p: { id: string }) => p.id)).toEqual([...ids].reverse());
    expect(list.body.next_cursor).toBeNull();
    expect(Object.keys(list.body.items[0]).sort()).toEqual(passkeyFields);
    expect(list.body.items[0]).toMatchObject({ flagged: false, last_used_at: null, transports: ["internal"], device_type: "singleDevice" });
    const other = await e.call("GET", "/passkeys", { token: someone.token });
    expect(other.body.items.map((p: { id: string }) => p.id)).toEqual([theirs.id]);
    expect((await e.call("GET", "/passkeys")).status).toBe(401);
  });

  it("pages with ?limit and ?cursor: a walk returns every passkey exactly once, in order", async () => {
    const owner = await signUp(e, "pk-page");
    const authenticator = new SoftAuthenticator();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await registerPasskey(e, owner.token, authenticator, `key ${i}`)).id);
    await registerPasskey(e, (await signUp(e, "pk-page-other")).token, new SoftAuthenticator());

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await e.call("GET", `/passkeys?limit=1${cursor ? `&cursor=${cursor}` : ""}`, { token: owner.token });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.items).toHaveLength(1);
      seen.push(res.body.items[0].id);
      cursor = res.body.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual([...ids].reverse());
    expect(new Set(seen).size).toBe(4);

    const two = await e.call("GET", "/passkeys?limit=2", { token: owner.token });
    expect(two.body.items.map((p: { id: string }) => p.id)).toEqual([ids[3], ids[2]]);
    expect(two.body.next_cursor).toBe(ids[2]);
    for (const query of ["limit=0", "limit=101", "cursor=not-a-cursor", "cursor=ausr_01h2xcejqtf2nbrexx3vqjhp41"]) {
      expect((await e.call("GET", `/passkeys?${query}`, { token: owner.token })).status, query).toBe(400);
    }
  });

  it("names a passkey from the verify, else from the options, else Passkey", async () => {
    const owner = await signUp(e, "pk-names");
    const authenticator = new SoftAuthenticator();
    const options = await e.call("POST", "/passkeys/register/options", { token: owner.token, body: { name: "From options" } });
    const fromOptions = await e.call("POST", "/passkeys/register/verify", { token: owner.token, body: { response: authenticator.register(options.body.options, pageOrigin) } });
    expect(fromOptions.body.name).toBe("From options");
    expect((await registerPasskey(e, owner.token, authenticator)).name).toBe("Passkey");
    expect((await registerPasskey(e, owner.token, authenticator, "  Trimmed  ")).name).toBe("Trimmed");
    const badName = await e.call("POST", "/passkeys/register/options", { token: owner.token, body: { name: "bad\nname" } });
    expect(badName.status).toBe(400);
  });

  it("records passkey.registered and mails the owner that a passkey was added", async () => {
    const owner = await signUp(e, "pk-added");
    e.mailer.clear();
    const registered = await registerPasskey(e, owner.token, new SoftAuthenticator({ aaguid: "0ea242b4-43c4-4a1b-8b17-dd6d0b6baec6" }), "Phone");
    expect(await eventsOf(owner.userId, "passkey.registered")).toEqual([
      { passkey_id: registered.id, aaguid: "0ea242b4-43c4-4a1b-8b17-dd6d0b6baec6", device_type: "singleDevice" },
    ]);
    expect(registered.aaguid).toBe("0ea242b4-43c4-4a1b-8b17-dd6d0b6baec6");
    const mails = e.mailer.messages.filter((m) => m.to === owner.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]?.subject).toBe("A passkey was added to your account");
    expect(mails[0]?.text).toContain('"Phone"');
  });

  it("records a backed-up, multi-device credential as such", async () => {
    const owner = await signUp(e, "pk-synced");
    const registered = await registerPasskey(e, owner.token, new SoftAuthenticator({ backupEligible: true, backedUp: true }));
    expect(registered).toMatchObject({ device_type: "multiDevice", backup_eligible: true, backed_up: true });
  });

  it("renames a passkey (trimmed), with passkey.renamed", async () => {
    const owner = await signUp(e, "pk-rename");
    const registered = await registerPasskey(e, owner.token, new SoftAuthenticator(), "Old");
    const res = await e.call("PATCH", `/passkeys/${registered.id}`, { token: owner.token, body: { name: "  Work laptop  " } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ id: registered.id, name: "Work laptop" });
    expect((await e.call("GET", "/passkeys", { token: owner.token })).body.items[0].name).toBe("Work laptop");
    expect(await eventsOf(owner.userId, "passkey.renamed")).toEqual([{ passkey_id: registered.id }]);
  });

  it.each([
    ["empty", ""],
    ["blank", "   "],
    ["a newline", "bad\nname"],
    ["a NUL", "bad\u0000name"],
    ["a bidi override", "bad\u202ename"],
    ["101 characters", "x".repeat(101)],
  ])("refuses a name that is %s with 400, leaving the name as it was", async (_, name) => {
    const owner = await signUp(e, "pk-rename-bad");
    const registered = await registerPasskey(e, owner.token, new SoftAuthenticator(), "Kept");
    const res = await e.call("PATCH", `/passkeys/${registered.id}`, { token: owner.token, body: { name } });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.code).toBe("invalid_request");
    expect(await nameOf(registered.id)).toBe("Kept");
    expect(await eventsOf(owner.userId, "passkey.renamed")).toEqual([]);
  });

  it("answers 404 for another user's passkey on PATCH and DELETE, and leaves it alone", async () => {
    const owner = await signUp(e, "pk-theirs-owner");
    const registered = await registerPasskey(e, owner.token, new SoftAuthenticator(), "Mine");
    const intruder = await signUp(e, "pk-theirs-intruder");
    await registerPasskey(e, intruder.token, new SoftAuthenticator());
    const patch = await e.call("PATCH", `/passkeys/${registered.id}`, { token: intruder.token, body: { name: "Stolen" } });
    expect(patch.status).toBe(404);
    expect(patch.body.code).toBe("not_found");
    const del = await e.call("DELETE", `/passkeys/${registered.id}`, { token: intruder.token });
    expect(del.status).toBe(404);
    expect(del.body.code).toBe("not_found");
    expect(await nameOf(registered.id)).toBe("Mine");
    expect(await countRows(e, "authsome_audit_events WHERE type IN ('passkey.renamed', 'passkey.deleted') AND user_id IN ($1, $2)", [owner.userId, intruder.userId])).toBe(0);
    // An id no one has is the same 404.
    expect((await e.call("DELETE", "/passkeys/apsk_01h2xcejqtf2nbrexx3vqjhp41", { token: owner.token })).status).toBe(404);
    expect((await e.call("PATCH", "/passkeys/apsk_01h2xcejqtf2nbrexx3vqjhp41", { token: owner.token, body: { name: "x" } })).status).toBe(404);
  });

  it("answers 400 for a malformed passkey id on PATCH and DELETE", async () => {
    const owner = await signUp(e, "pk-malformed-id");
    const registered = await registerPasskey(e, owner.token, new SoftAuthenticator());
    for (const id of ["not-an-id", "ausr_01h2xcejqtf2nbrexx3vqjhp41", `${registered.id}x`, "apsk_81h2xcejqtf2nbrexx3vqjhp41"]) {
      const patch = await e.call("PATCH", `/passkeys/${id}`, { token: owner.token, body: { name: "x" } });
      expect(patch.status, id).toBe(400);
      expect(patch.body.code).toBe("invalid_request");
      expect((await e.call("DELETE", `/passkeys/${id}`, { token: owner.token })).status, id).toBe(400);
    }
    expect(await countRows(e, "authsome_passkeys WHERE user_id = $1", [owner.userId])).toBe(1);
  });

  it("deletes a passkey while a password remains, with passkey.deleted; it no longer signs in", async () => {
    const owner = await signUp(e, "pk-delete");
    const authenticator = new SoftAuthenticator();
    const registered = await registerPasskey(e, owner.token, authenticator);
    const res = await e.call("DELETE", `/passkeys/${registered.id}`, { token: owner.token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({ status: "ok" });
    expect(await countRows(e, "authsome_passkeys WHERE id = $1", [registered.id])).toBe(0);
    expect(await eventsOf(owner.userId, "passkey.deleted")).toEqual([{ passkey_id: registered.id }]);
    expect((await signInWithPasskey(e, authenticator)).status).toBe(401);
    expect((await e.call("DELETE", `/passkeys/${registered.id}`, { token: owner.token })).status).toBe(404);
  });

  it("never deletes the last way in: with two passkeys and no password, one goes and the last is 409 last_sign_in_method", async () => {
    const owner = await signUp(e, "pk-last");
    const authenticator = new SoftAuthenticator();
    const first = await registerPasskey(e, owner.token, authenticator, "first");
    const second = await registerPasskey(e, owner.token, authenticator, "second");
    await dropPassword(owner.userId);
    expect((await e.call("DELETE", `/passkeys/${first.id}`, { token: owner.token })).status).toBe(200);
    const last = await e.call("DELETE", `/passkeys/${second.id}`, { token: owner.token });
    expect(last.status, JSON.stringify(last.body)).toBe(409);
    expect(last.body.code).toBe("last_sign_in_method");
    expect(await countRows(e, "authsome_passkeys WHERE id = $1", [second.id])).toBe(1);
    expect(await eventsOf(owner.userId, "passkey.deleted")).toEqual([{ passkey_id: first.id }]);
    // It still signs in.
    expect((await signInWithPasskey(e, authenticator)).status).toBe(200);
  });

  it("always lets a flagged passkey be deleted, even when no other way in is left", async () => {
    const owner = await signUp(e, "pk-flagged-delete");
    const authenticator = new SoftAuthenticator();
    const registered = await registerPasskey(e, owner.token, authenticator);
    const clone = authenticator.clone();
    expect((await signInWithPasskey(e, authenticator)).status).toBe(200);
    expect((await signInWithPasskey(e, clone)).status).toBe(401); // counter 1 again: flagged
    await dropPassword(owner.userId);
    const list = await e.call("GET", "/passkeys", { token: owner.token });
    expect(list.body.items).toEqual([expect.objectContaining({ id: registered.id, flagged: true })]);
    const res = await e.call("DELETE", `/passkeys/${registered.id}`, { token: owner.token });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(await countRows(e, "authsome_passkeys WHERE user_id = $1", [owner.userId])).toBe(0);
  });

  it("lists usable passkeys among the sign-in methods of GET /me/accounts; a flagged one is not a way in", async () => {
    const owner = await signUp(e, "pk-accounts");
    const authenticator = new SoftAuthenticator();
    const registered = await registerPasskey(e, owner.token, authenticator);
    const accounts = await e.call("GET", "/me/accounts", { token: owner.token });
    expect(accounts.status, JSON.stringify(accounts.body)).toBe(200);
    expect(accounts.body.items.map((a: { provider: string; provider_account_id: string | null }) => [a.provider, a.provider_account_id])).toEqual([
      ["password", null],
      ["passkey", registered.id],
    ]);
    const clone = authenticator.clone();
    await signInWithPasskey(e, authenticator);
    await signInWithPasskey(e, clone);
    const after = await e.call("GET", "/me/accounts", { token: owner.token });
    expect(after.body.items.map((a: { provider: string }) => a.provider)).toEqual(["password"]);
  });

  it("shows the last use after a sign-in", async () => {
    const owner = await signUp(e, "pk-last-used");
    const authenticator = new SoftAuthenticator();
    await registerPasskey(e, owner.token, authenticator);
    e.clock.advance(10);
    expect((await signInWithPasskey(e, authenticator)).status).toBe(200);
    const list = await e.call("GET", "/passkeys", { token: owner.token });
    expect(list.body.items[0].last_used_at).toBe(e.clock.now().toISOString());
  });
});

describe("auth.api", () => {
  let e: PasskeyEngine;
  beforeAll(async () => {
    e = await createPasskeyEngine();
  });
  afterAll(async () => {
    await e.drop();
  });

  async function apiUser(tag: string) {
    const { user } = await e.auth.api.signUp({ email: uniqueEmail(tag), password }, meta);
    return user;
  }

  it("registers, signs in, lists, renames and deletes in process", async () => {
    const user = await apiUser("pk-api");
    const authenticator = new SoftAuthenticator();
    const options = await e.api.passkeyRegistrationOptions(user.id, meta, { name: "From options" });
    expect(options.rp.id).toBe("localhost");
    const created = await e.api.verifyPasskeyRegistration(user.id, authenticator.register(options, pageOrigin), meta, { name: "  API key  " });
    expect(created).toMatchObject({ name: "API key", flaggedAt: null, lastUsedAt: null });
    expect(created.id).toMatch(/^apsk_/);
    expect(created).not.toHaveProperty("publicKey");

    const { ceremonyId, options: request } = await e.api.passkeyLoginOptions(meta);
    const result = await e.api.verifyPasskeyLogin(ceremonyId, authenticator.authenticate(request, pageOrigin), meta);
    expect(result.kind).toBe("session");
    expect(result.user.id).toBe(user.id);
    expect(result.method).toBe("passkey");
    // Single use in process too.
    const replay = await rejectionOf(e.api.verifyPasskeyLogin(ceremonyId, authenticator.authenticate(request, pageOrigin), meta));
    expect(replay).toBeInstanceOf(AuthenticationError);
    expect(replay.code).toBe("invalid_passkey");

    const page = await e.api.listPasskeys(user.id, { limit: 10 });
    expect(page.items.map((p) => p.id)).toEqual([created.id]);
    expect(page.items[0]?.lastUsedAt).toEqual(e.clock.now());
    expect((await e.api.renamePasskey(user.id, created.id, " Renamed ", meta)).name).toBe("Renamed");
    await e.api.deletePasskey(user.id, created.id, meta);
    expect((await e.api.listPasskeys(user.id)).items).toEqual([]);
    for (const type of ["passkey.registered", "passkey.used", "passkey.renamed", "passkey.deleted"]) {
      expect(await countRows(e, "authsome_audit_events WHERE user_id = $1 AND type = $2 AND ip_address = $3", [user.id, type, meta.ipAddress]), type).toBe(1);
    }
    await e.auth.flushMail();
    expect(e.mailer.messages.filter((m) => m.to === user.email && m.subject === "A passkey was added to your account")).toHaveLength(1);
  });

  it("refuses bad input with the route's errors, changing nothing", async () => {
    const user = await apiUser("pk-api-bad");
    const intruder = await apiUser("pk-api-intruder");
    const authenticator = new SoftAuthenticator();
    const created = await e.api.verifyPasskeyRegistration(user.id, authenticator.register(await e.api.passkeyRegistrationOptions(user.id, meta), pageOrigin), meta);

    for (const name of ["", "   ", "a\nb", "x".repeat(101)]) {
      const err = await rejectionOf(e.api.renamePasskey(user.id, created.id, name, meta));
      expect(err, JSON.stringify(name)).toBeInstanceOf(ValidationError);
      expect(err.code).toBe("invalid_request");
    }
    expect(await rejectionOf(e.api.passkeyRegistrationOptions(user.id, meta, { name: "" }))).toMatchObject({ code: "invalid_request" });

    for (const call of [
      () => e.api.deletePasskey(intruder.id, created.id, meta),
      () => e.api.renamePasskey(intruder.id, created.id, "Stolen", meta),
      () => e.api.deletePasskey(user.id, "not-an-id", meta),
      () => e.api.renamePasskey(user.id, "apsk_01h2xcejqtf2nbrexx3vqjhp41", "x", meta),
      () => e.api.listPasskeys("ausr_01h2xcejqtf2nbrexx3vqjhp41"),
      () => e.api.passkeyRegistrationOptions("ausr_01h2xcejqtf2nbrexx3vqjhp41", meta),
    ]) {
      const err = await rejectionOf(call());
      expect(err).toBeInstanceOf(NotFoundError);
      expect(err.code).toBe("not_found");
    }
    expect(await rejectionOf(e.api.listPasskeys(user.id, { cursor: "nope" }))).toBeInstanceOf(ValidationError);

    // The only passkey of a user without a password is their last way in.
    await e.t.query("DELETE FROM authsome_password_hashes WHERE user_id = $1", [user.id]);
    const last = await rejectionOf(e.api.deletePasskey(user.id, created.id, meta));
    expect(last).toBeInstanceOf(ConflictError);
    expect(last.code).toBe("last_sign_in_method");

    // Malformed login input is refused before the ceremony is consumed.
    const { ceremonyId, options } = await e.api.passkeyLoginOptions(meta);
    const response = authenticator.authenticate(options, pageOrigin);
    expect(await rejectionOf(e.api.verifyPasskeyLogin("", response, meta))).toMatchObject({ code: "invalid_request" });
    expect(await rejectionOf(e.api.verifyPasskeyLogin("x".repeat(129), response, meta))).toMatchObject({ code: "invalid_request" });
    expect(await rejectionOf(e.api.verifyPasskeyLogin(ceremonyId, { ...response, type: "other" } as never, meta))).toMatchObject({ code: "invalid_request" });
    expect(await rejectionOf(e.api.verifyPasskeyRegistration(user.id, { bogus: true } as never, meta))).toMatchObject({ code: "invalid_request" });

    expect((await e.api.listPasskeys(user.id)).items).toEqual([expect.objectContaining({ id: created.id, name: "Passkey" })]);
    expect(await countRows(e, "authsome_audit_events WHERE user_id IN ($1, $2) AND type IN ('passkey.renamed', 'passkey.deleted', 'passkey.used')", [user.id, intruder.id])).toBe(0);
    expect((await e.api.verifyPasskeyLogin(ceremonyId, response, meta)).kind).toBe("session");
  });

  it("answers a registration response of another user's options with invalid_passkey", async () => {
    const alice = await apiUser("pk-api-alice");
    const mallory = await apiUser("pk-api-mallory");
    const response = new SoftAuthenticator().register(await e.api.passkeyRegistrationOptions(alice.id, meta), pageOrigin);
    const err = await rejectionOf(e.api.verifyPasskeyRegistration(mallory.id, response, meta));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.code).toBe("invalid_passkey");
    expect(await countRows(e, "authsome_passkeys WHERE user_id IN ($1, $2)", [alice.id, mallory.id])).toBe(0);
  });
});

describe("passkey() config validation", () => {
  let e: PasskeyEngine;
  beforeAll(async () => {
    e = await createPasskeyEngine();
  });
  afterAll(async () => {
    await e.drop();
  });

  /** What `createAuthsome` (plugin setup, where `appUrl` is known) throws for these options. */
  const setupError = (options: Parameters<typeof passkey>[0], appUrl: string | null = "https://app.example.com") =>
    thrown(() => createAuthsome({ store: e.store, plugins: [passkey(options)], config: { development: true, ...(appUrl ? { appUrl } : {}) } })) as ValidationError;

  it.each<[string, Parameters<typeof passkey>[0], string]>([
    ["an IP address as rpId", { rpId: "127.0.0.1" }, "passkey.rpId"],
    ["an IPv6 address as rpId", { rpId: "[::1]" }, "passkey.rpId"],
    ["a URL as rpId", { rpId: "https://x.com" }, "passkey.rpId"],
    ["a port in rpId", { rpId: "example.com:443" }, "passkey.rpId"],
    ["an upper-case rpId", { rpId: "Example.com" }, "passkey.rpId"],
    ["an origin off the rpId", { rpId: "example.com", origins: ["https://example.org"] }, "passkey.origins[0]"],
    ["a look-alike suffix", { rpId: "example.com", origins: ["https://app.example.com", "https://evilexample.com"] }, "passkey.origins[1]"],
    ["an http origin on a non-localhost rpId", { rpId: "example.com", origins: ["http://example.com"] }, "passkey.origins[0]"],
    ["an origin with a path", { rpId: "example.com", origins: ["https://example.com/login"] }, "passkey.origins[0]"],
    ["an origin that is no URL", { rpId: "example.com", origins: ["example.com"] }, "passkey.origins[0]"],
    ["an empty origins list", { rpId: "example.com", origins: [] }, "passkey.origins"],
    ["a bad userVerification", { userVerification: "always" as never }, "passkey.userVerification"],
  ])("refuses %s with invalid_config", (_, options, field) => {
    const err = setupError(options);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ code: "invalid_config", details: { field } });
  });

  it("refuses a default origin that cannot serve the rpId, and a bad timeout or rpName at construction", () => {
    expect(setupError({ rpId: "example.com" }, "https://other.test")).toMatchObject({ code: "invalid_config", details: { field: "passkey.origins" } });
    expect(setupError({ rpId: "example.com" }, "http://example.com")).toMatchObject({ code: "invalid_config" });
    expect(setupError({ rpId: "example.com" }, null)).toMatchObject({ code: "invalid_config", details: { field: "passkey.origins" } });
    expect(thrown(() => passkey({ timeout: 0 }))).toMatchObject({ code: "invalid_config" });
    expect(thrown(() => passkey({ timeout: "soon" as never }))).toMatchObject({ code: "invalid_config" });
    expect(thrown(() => passkey({ rpName: "  " }))).toMatchObject({ code: "invalid_config", details: { field: "passkey.rpName" } });
  });

  it("accepts good options: defaults from appUrl, subdomain origins, localhost over http", () => {
    const build = (options: Parameters<typeof passkey>[0], appUrl?: string) =>
      createAuthsome({ store: e.store, plugins: [passkey(options)], config: { development: true, ...(appUrl ? { appUrl } : {}) } });
    expect(() => build({}, "https://app.example.com")).not.toThrow();
    expect(() => build({ rpId: "example.com", origins: ["https://example.com", "https://app.example.com:8443"] })).not.toThrow();
    expect(() => build({ rpId: "localhost", origins: ["http://localhost:5173"] })).not.toThrow();
    expect(() => build({}, "http://127.0.0.1:3000")).not.toThrow();
    expect(() => build({ userVerification: "discouraged", timeout: "2m", rpName: "Acme" })).not.toThrow();
  });
});
