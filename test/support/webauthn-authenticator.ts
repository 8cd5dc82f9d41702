// A software WebAuthn authenticator for tests. It plays the browser and a platform authenticator together: given the
// options JSON a server hands to `navigator.credentials.create()` / `.get()`, it returns the JSON that
// `@simplewebauthn/browser`'s `startRegistration()` / `startAuthentication()` would send back. Keys are ES256 (P-256)
// from `node:crypto`; the CBOR (COSE key, attestation object) is encoded by hand below, so the server-side verifier
// checks bytes it did not produce. Overrides on each call let a test tamper with exactly one thing.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from "@simplewebauthn/server";

/** COSE algorithm identifier of ES256 (ECDSA P-256 with SHA-256). */
const ES256 = -7;

/** The authenticatorData flags a test can control (AT is set by the authenticator at registration). */
export interface AuthenticatorFlags {
  /** UP, 0x01 */
  userPresent: boolean;
  /** UV, 0x04 */
  userVerified: boolean;
  /** BE, 0x08 */
  backupEligible: boolean;
  /** BS, 0x10 */
  backedUp: boolean;
}

export interface SoftAuthenticatorOptions extends Partial<AuthenticatorFlags> {
  /**
   * Attestation format produced at registration: "none" (default), or "packed" self attestation (`alg` -7, a
   * signature over authData || SHA-256(clientDataJSON) with the credential key, no `x5c`).
   */
  attestation?: "none" | "packed";
  /** AAGUID written into the attested credential data, as a UUID string. */
  aaguid?: string;
}

/** Tampering shared by registration and authentication; each replaces what an honest client would send. */
interface CeremonyOverrides {
  /** `origin` in clientDataJSON (default: the `origin` argument). */
  origin?: string;
  /** RP ID hashed into authenticatorData (default: the options' RP ID); where the credential is stored is unchanged. */
  rpId?: string;
  /** `challenge` in clientDataJSON (default: the options' challenge, verbatim). */
  challenge?: string;
  /** `type` in clientDataJSON (default: "webauthn.create" / "webauthn.get"). */
  type?: string;
  /** Flags for this ceremony only, over the authenticator's defaults. */
  flags?: Partial<AuthenticatorFlags>;
}

export interface RegisterOverrides extends CeremonyOverrides {
  /** Use this credential ID (base64url) for the new credential; a credential already held under it is replaced. */
  credentialId?: string;
}

export interface AuthenticateOverrides extends CeremonyOverrides {
  /** Sign with this credential (base64url ID), regardless of rpId and `allowCredentials`. */
  credentialId?: string;
  /** Sign count written into authenticatorData instead of the incremented one; the stored counter stays as it is. */
  counter?: number;
  /** `response.userHandle` to send (base64url), or `null` to omit it (default: the user.id from registration). */
  userHandle?: string | null;
  /** Sign with the key of this other credential (base64url ID), so the signature does not match the public key. */
  signWith?: string;
}

/** A credential as the authenticator holds it (a copy; set the counter with {@link SoftAuthenticator.setCounter}). */
export interface SoftCredential {
  /** Credential ID, base64url. */
  id: string;
  rpId: string;
  /** The user.id given at registration, base64url. */
  userHandle: string;
  /** Sign count of the last assertion (0 right after registration). */
  counter: number;
}

interface HeldCredential extends SoftCredential {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export class SoftAuthenticator {
  readonly #attestation: "none" | "packed";
  readonly #aaguid: Buffer;
  readonly #flags: AuthenticatorFlags;
  readonly #options: SoftAuthenticatorOptions;
  /** In registration order; lookups take the last match. */
  #credentials: HeldCredential[] = [];

  constructor(options: SoftAuthenticatorOptions = {}) {
    this.#options = { ...options };
    this.#attestation = options.attestation ?? "none";
    this.#aaguid = uuidBytes(options.aaguid ?? "5ca1ab1e-0000-4000-8000-000000000001");
    this.#flags = {
      userPresent: options.userPresent ?? true,
      userVerified: options.userVerified ?? true,
      backupEligible: options.backupEligible ?? false,
      backedUp: options.backedUp ?? false,
    };
  }

  /**
   * Creates a resident ES256 credential for `options` (as returned by the server) on `origin`, e.g.
   * "http://localhost:3000", and returns the registration response. The RP ID is `options.rp.id`, or the origin's
   * host when absent. @throws when the options do not offer ES256
   */
  register(
    options: PublicKeyCredentialCreationOptionsJSON,
    origin: string,
    overrides: RegisterOverrides = {},
  ): RegistrationResponseJSON {
    const params = options.pubKeyCredParams ?? [];
    if (params.length > 0 && !params.some((p) => p.alg === ES256)) {
      throw new Error("SoftAuthenticator: pubKeyCredParams does not offer ES256 (-7)");
    }
    const rpId = options.rp.id ?? new URL(origin).hostname;
    const id = overrides.credentialId ?? randomBytes(32).toString("base64url");
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const credential: HeldCredential = {
      id,
      rpId,
      userHandle: canonicalBase64url(options.user.id),
      counter: 0,
      privateKey,
      publicKey,
    };

    const clientDataJSON = clientData(overrides.type ?? "webauthn.create", overrides, options.challenge, origin);
    const credentialIdBytes = Buffer.from(id, "base64url");
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credentialIdBytes.length);
    const attestedCredentialData = Buffer.concat([this.#aaguid, idLength, credentialIdBytes, coseKey(publicKey)]);
    const authData = Buffer.concat([
      authDataHeader(overrides.rpId ?? rpId, { ...this.#flags, ...overrides.flags }, 0, true),
      attestedCredentialData,
    ]);

    const attStmt = new Map<string, CborValue>();
    if (this.#attestation === "packed") {
      attStmt.set("alg", ES256);
      attStmt.set("sig", sign("sha256", Buffer.concat([authData, sha256(clientDataJSON)]), privateKey));
    }
    const attestationObject = encodeCbor(
      new Map<string, CborValue>([
        ["fmt", this.#attestation],
        ["attStmt", attStmt],
        ["authData", authData],
      ]),
    );

    this.#credentials = this.#credentials.filter((c) => c.id !== id);
    this.#credentials.push(credential);
    return {
      id,
      rawId: id,
      type: "public-key",
      response: {
        clientDataJSON: clientDataJSON.toString("base64url"),
        attestationObject: attestationObject.toString("base64url"),
        authenticatorData: authData.toString("base64url"),
        transports: ["internal"],
        publicKeyAlgorithm: ES256,
        publicKey: publicKey.export({ type: "spki", format: "der" }).toString("base64url"),
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }

  /**
   * Signs an assertion for `options` (as returned by the server) on `origin`. The credential is
   * `overrides.credentialId` if given, else the last one registered for the RP ID (`options.rpId`, or the origin's
   * host) that `allowCredentials` admits (an empty or absent list admits any: a discoverable login). Its counter is
   * incremented before signing, so the first assertion carries 1. @throws when no credential fits
   */
  authenticate(
    options: PublicKeyCredentialRequestOptionsJSON,
    origin: string,
    overrides: AuthenticateOverrides = {},
  ): AuthenticationResponseJSON {
    const rpId = options.rpId ?? new URL(origin).hostname;
    let credential: HeldCredential;
    if (overrides.credentialId !== undefined) {
      credential = this.#held(overrides.credentialId);
    } else {
      const allowed = new Set((options.allowCredentials ?? []).map((c) => canonicalBase64url(c.id)));
      const match = this.#credentials.findLast((c) => c.rpId === rpId && (allowed.size === 0 || allowed.has(c.id)));
      if (!match) throw new Error(`SoftAuthenticator: no credential for rpId "${rpId}" fits allowCredentials`);
      credential = match;
    }
    const signingKey =
      overrides.signWith !== undefined ? this.#held(overrides.signWith).privateKey : credential.privateKey;

    let counter: number;
    if (overrides.counter !== undefined) {
      counter = overrides.counter;
    } else {
      credential.counter += 1;
      counter = credential.counter;
    }

    const clientDataJSON = clientData(overrides.type ?? "webauthn.get", overrides, options.challenge, origin);
    const authData = authDataHeader(overrides.rpId ?? rpId, { ...this.#flags, ...overrides.flags }, counter, false);
    const signature = sign("sha256", Buffer.concat([authData, sha256(clientDataJSON)]), signingKey);
    const userHandle = overrides.userHandle === undefined ? credential.userHandle : overrides.userHandle;
    return {
      id: credential.id,
      rawId: credential.id,
      type: "public-key",
      response: {
        clientDataJSON: clientDataJSON.toString("base64url"),
        authenticatorData: authData.toString("base64url"),
        signature: signature.toString("base64url"),
        ...(userHandle === null ? {} : { userHandle }),
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }

  /** Copies of the held credentials, in registration order. */
  get credentials(): SoftCredential[] {
    return this.#credentials.map(({ id, rpId, userHandle, counter }) => ({ id, rpId, userHandle, counter }));
  }

  /** A copy of the credential held under `id`, or undefined. */
  credential(id: string): SoftCredential | undefined {
    return this.credentials.find((c) => c.id === id);
  }

  /** Sets the stored sign counter of credential `id`; the next assertion carries `counter + 1`. @throws if not held */
  setCounter(id: string, counter: number): void {
    if (!Number.isInteger(counter) || counter < 0 || counter > 0xffffffff) {
      throw new RangeError(`SoftAuthenticator: counter ${counter} is not a uint32`);
    }
    this.#held(id).counter = counter;
  }

  /** A new authenticator with the same options and copies of the same keys and counters (a cloned device). */
  clone(): SoftAuthenticator {
    const copy = new SoftAuthenticator(this.#options);
    copy.#credentials = this.#credentials.map((c) => ({ ...c }));
    return copy;
  }

  #held(id: string): HeldCredential {
    const canonical = canonicalBase64url(id);
    const credential = this.#credentials.findLast((c) => c.id === canonical);
    if (!credential) throw new Error(`SoftAuthenticator: no credential ${id}`);
    return credential;
  }
}

/** The clientDataJSON bytes, fields in the order browsers emit them. */
function clientData(type: string, overrides: CeremonyOverrides, challenge: string, origin: string): Buffer {
  const json = JSON.stringify({
    type,
    challenge: overrides.challenge ?? challenge,
    origin: overrides.origin ?? origin,
    crossOrigin: false,
  });
  return Buffer.from(json, "utf8");
}

/** rpIdHash (32) || flags (1) || signCount (4, big-endian). */
function authDataHeader(rpId: string, flags: AuthenticatorFlags, counter: number, attested: boolean): Buffer {
  const bits =
    (flags.userPresent ? 0x01 : 0) |
    (flags.userVerified ? 0x04 : 0) |
    (flags.backupEligible ? 0x08 : 0) |
    (flags.backedUp ? 0x10 : 0) |
    (attested ? 0x40 : 0);
  const tail = Buffer.alloc(5);
  tail.writeUInt8(bits, 0);
  tail.writeUInt32BE(counter, 1);
  return Buffer.concat([sha256(Buffer.from(rpId, "utf8")), tail]);
}

/** The COSE_Key of an EC2 P-256 public key: {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}. */
function coseKey(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: "jwk" });
  if (!jwk.x || !jwk.y) throw new Error("SoftAuthenticator: EC public key without x/y");
  return encodeCbor(
    new Map<number, CborValue>([
      [1, 2],
      [3, ES256],
      [-1, 1],
      [-2, Buffer.from(jwk.x, "base64url")],
      [-3, Buffer.from(jwk.y, "base64url")],
    ]),
  );
}

function sha256(data: Buffer): Buffer {
  return createHash("sha256").update(data).digest();
}

/** The 16 bytes of a UUID string. */
function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, "");
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`SoftAuthenticator: "${uuid}" is not a UUID`);
  return Buffer.from(hex, "hex");
}

/** Re-encodes base64url so IDs compare equal whatever padding the server used. */
function canonicalBase64url(value: string): string {
  return Buffer.from(value, "base64url").toString("base64url");
}

/** The CBOR values this file needs: integers, byte and text strings, arrays and maps (keys kept in insertion order). */
export type CborValue = number | string | Uint8Array | CborValue[] | Map<number | string, CborValue>;

/**
 * Encodes `value` as CBOR (RFC 8949) with shortest-form lengths. Maps keep insertion order, so callers write keys
 * in CTAP2 canonical order. @throws on non-integer or out-of-range numbers
 */
export function encodeCbor(value: CborValue): Buffer {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new Error(`CBOR: ${value} is not a safe integer`);
    return value >= 0 ? cborHead(0, value) : cborHead(1, -1 - value);
  }
  if (typeof value === "string") {
    const bytes = Buffer.from(value, "utf8");
    return Buffer.concat([cborHead(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([cborHead(2, value.length), value]);
  if (Array.isArray(value)) return Buffer.concat([cborHead(4, value.length), ...value.map(encodeCbor)]);
  const parts = [cborHead(5, value.size)];
  for (const [key, item] of value) parts.push(encodeCbor(key), encodeCbor(item));
  return Buffer.concat(parts);
}

/** A CBOR initial byte (major type, additional info) plus the argument in its shortest form. */
function cborHead(major: number, argument: number): Buffer {
  const type = major << 5;
  if (argument < 24) return Buffer.from([type | argument]);
  if (argument <= 0xff) return Buffer.from([type | 24, argument]);
  if (argument <= 0xffff) {
    const head = Buffer.alloc(3);
    head.writeUInt8(type | 25, 0);
    head.writeUInt16BE(argument, 1);
    return head;
  }
  if (argument <= 0xffffffff) {
    const head = Buffer.alloc(5);
    head.writeUInt8(type | 26, 0);
    head.writeUInt32BE(argument, 1);
    return head;
  }
  const head = Buffer.alloc(9);
  head.writeUInt8(type | 27, 0);
  head.writeBigUInt64BE(BigInt(argument), 1);
  return head;
}
