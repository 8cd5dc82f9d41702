// The soft authenticator checked by an independent verifier: every response it produces goes through
// @simplewebauthn/server, which decodes the hand-written CBOR and checks the signatures itself.
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type WebAuthnCredential,
} from "@simplewebauthn/server";
import { describe, expect, it } from "vitest";
import { encodeCbor, SoftAuthenticator, type SoftAuthenticatorOptions } from "./webauthn-authenticator.js";

const origin = "http://localhost:3000";
const rpID = "localhost";
const aaguid = "5ca1ab1e-0000-4000-8000-000000000001";
const userID = new Uint8Array([0x75, 0x73, 0x72, 0x5f, 0x01, 0xfe, 0xff, 0x00]);

/** Registers a credential on a fresh authenticator and returns it with the verifier's stored credential. */
async function enrol(options: SoftAuthenticatorOptions = {}) {
  const authenticator = new SoftAuthenticator(options);
  const creation = await generateRegistrationOptions({ rpName: "Test", rpID, userName: "alice", userID });
  const response = authenticator.register(creation, origin);
  const verification = await verifyRegistrationResponse({
    response,
    expectedChallenge: creation.challenge,
    expectedOrigin: origin,
    expectedRPID: rpID,
  });
  if (!verification.verified) throw new Error("registration did not verify");
  return { authenticator, response, info: verification.registrationInfo };
}

async function requestOptions(): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({ rpID, allowCredentials: [] });
}

function verifyAssertion(
  response: AuthenticationResponseJSON,
  options: PublicKeyCredentialRequestOptionsJSON,
  credential: WebAuthnCredential,
) {
  return verifyAuthenticationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: origin,
    expectedRPID: rpID,
    credential,
  });
}

describe("SoftAuthenticator", () => {
  it.each(["none", "packed"] as const)("registers with %s attestation", async (attestation) => {
    const { authenticator, response, info } = await enrol({ attestation });
    expect(info.fmt).toBe(attestation);
    expect(info.credential.counter).toBe(0);
    expect(info.credential.id).toBe(response.id);
    expect(info.aaguid).toBe(aaguid);
    expect(info.userVerified).toBe(true);
    expect(info.credentialDeviceType).toBe("singleDevice");
    expect(Buffer.from(response.id, "base64url")).toHaveLength(32);
    expect(authenticator.credentials).toEqual([
      { id: response.id, rpId: rpID, userHandle: Buffer.from(userID).toString("base64url"), counter: 0 },
    ]);
  });

  it("signs discoverable assertions with a counter that starts at 1 and the registered user handle", async () => {
    const { authenticator, info } = await enrol();
    for (const expected of [1, 2]) {
      const options = await requestOptions();
      const response = authenticator.authenticate(options, origin);
      const verification = await verifyAssertion(response, options, info.credential);
      expect(verification.verified).toBe(true);
      expect(verification.authenticationInfo.newCounter).toBe(expected);
      expect(response.response.userHandle).toBe(Buffer.from(userID).toString("base64url"));
      info.credential.counter = verification.authenticationInfo.newCounter;
    }
    expect(authenticator.credential(info.credential.id)?.counter).toBe(2);
  });

  it("produces responses the verifier rejects when tampered with", async () => {
    const { authenticator, info } = await enrol();
    const options = await requestOptions();
    const wrongOrigin = authenticator.authenticate(options, origin, { origin: "http://evil.test" });
    await expect(verifyAssertion(wrongOrigin, options, info.credential)).rejects.toThrow(
      /unexpected authentication response origin/i,
    );
    const unverified = authenticator.authenticate(options, origin, { flags: { userVerified: false } });
    await expect(verifyAssertion(unverified, options, info.credential)).rejects.toThrow(/user verification/i);

    const bob = await generateRegistrationOptions({ rpName: "Test", rpID, userName: "bob" });
    const other = authenticator.register(bob, origin);
    const wrongKey = authenticator.authenticate(options, origin, {
      credentialId: info.credential.id,
      signWith: other.id,
    });
    await expect(verifyAssertion(wrongKey, options, info.credential)).resolves.toMatchObject({ verified: false });
  });

  it("rejects registration without user verification", async () => {
    const authenticator = new SoftAuthenticator({ userVerified: false });
    const creation = await generateRegistrationOptions({ rpName: "Test", rpID, userName: "alice", userID });
    await expect(
      verifyRegistrationResponse({
        response: authenticator.register(creation, origin),
        expectedChallenge: creation.challenge,
        expectedOrigin: origin,
        expectedRPID: rpID,
      }),
    ).rejects.toThrow(/user verification/i);
  });

  it("lets a clone or a forced counter replay a sign count the verifier has seen", async () => {
    const { authenticator, info } = await enrol();
    authenticator.setCounter(info.credential.id, 41);
    const twin = authenticator.clone();
    const options = await requestOptions();
    const first = await verifyAssertion(authenticator.authenticate(options, origin), options, info.credential);
    expect(first.authenticationInfo.newCounter).toBe(42);
    const seen = { ...info.credential, counter: first.authenticationInfo.newCounter };

    await expect(verifyAssertion(twin.authenticate(options, origin), options, seen)).rejects.toThrow(/counter/i);
    await expect(
      verifyAssertion(authenticator.authenticate(options, origin, { counter: 7 }), options, seen),
    ).rejects.toThrow(/counter/i);
    expect(authenticator.credential(info.credential.id)?.counter).toBe(42);
  });

  it("encodes CBOR like RFC 8949 appendix A", () => {
    const hex = (value: Parameters<typeof encodeCbor>[0]) => encodeCbor(value).toString("hex");
    expect([0, 23, 24, 100, 1000, 1000000].map(hex)).toEqual(["00", "17", "1818", "1864", "1903e8", "1a000f4240"]);
    expect([-1, -100, -1000].map(hex)).toEqual(["20", "3863", "3903e7"]);
    expect(hex("IETF")).toBe("6449455446");
    expect(hex(new Uint8Array([1, 2, 3, 4]))).toBe("4401020304");
    expect(hex([1, [2, 3]])).toBe("8201820203");
    expect(hex(new Map([[1, 2], [3, 4]]))).toBe("a201020304");
    expect(hex(new Map<string, number>([["a", 1]]))).toBe("a1616101");
  });
});
