// Input rules of the HTTP API (shared/spec/http-api.md), over HTTP: image URLs are absolute https: URLs (http: too in
// development); names hold no control or bidi override characters; every 400 names its field in `details.fields`
// (metadata with NUL or lone surrogates, `__proto__` keys, malformed JSON); a password of only spaces is weak; a wrong
// method on a known path is a 405 with `Allow`. Every refusal leaves the user's row (or the users table) unchanged.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basePath, type CallResult, createTestEngine, linkIn, origin, type TestEngine } from "../support/engine.js";

const secret = "correct horse battery";
let counter = 0;
const uniqueEmail = (tag: string) => `${tag}-${++counter}-${Date.now()}@input-rules.test`;

interface SignedUp {
  email: string;
  token: string;
}

async function signUp(e: TestEngine, body: Record<string, unknown> = {}): Promise<SignedUp> {
  const email = uniqueEmail("user");
  const res = await e.call("POST", "/signup", { body: { email, password: secret, ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { email, token: res.body.session_token };
}

async function me(e: TestEngine, token: string): Promise<Record<string, unknown>> {
  const res = await e.call("GET", "/me", { token });
  expect(res.status).toBe(200);
  return res.body;
}

async function usersWithEmail(e: TestEngine, email: string): Promise<number> {
  const [row] = await e.t.query<{ n: number }>("SELECT count(*)::int AS n FROM authsome_users WHERE email = $1", [email]);
  return row?.n ?? 0;
}

/** A 400 `invalid_request` whose `details.fields` names `field` (an own key, so `__proto__` counts). */
function expectInvalid(res: CallResult, field: string, message?: RegExp): void {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.body.code).toBe("invalid_request");
  const fields = res.body.details?.fields as Record<string, string> | undefined;
  expect(fields && Object.keys(fields), JSON.stringify(res.body)).toContain(field);
  if (message) expect(Object.getOwnPropertyDescriptor(fields, field)?.value).toMatch(message);
}

/** PATCH /me with `body` is refused naming `field`, and the user is exactly as before. */
async function expectPatchRefused(e: TestEngine, user: SignedUp, body: unknown, field: string, message?: RegExp): Promise<void> {
  const before = await me(e, user.token);
  const res = await e.call("PATCH", "/me", { token: user.token, body });
  expectInvalid(res, field, message);
  expect(await me(e, user.token)).toEqual(before);
}

/** POST /signup with `extra` is refused naming `field`, and no user was created. */
async function expectSignUpRefused(e: TestEngine, extra: Record<string, unknown>, field: string, message?: RegExp): Promise<void> {
  const email = uniqueEmail("refused");
  const res = await e.call("POST", "/signup", { body: { email, password: secret, ...extra } });
  expectInvalid(res, field, message);
  expect(await usersWithEmail(e, email)).toBe(0);
}

const trustedOrigin = "https://app.example.com";

describe("input rules (development)", () => {
  let e: TestEngine;
  let user: SignedUp;
  beforeAll(async () => {
    e = await createTestEngine({ config: { trustedOrigins: [trustedOrigin] } });
    user = await signUp(e);
    const res = await e.call("PATCH", "/me", { token: user.token, body: { image: "https://cdn.example.com/ada.png", first_name: "Ada" } });
    expect(res.status).toBe(200);
  });
  afterAll(() => e?.drop());

  describe("image URLs", () => {
    const refused: Record<string, string> = {
      "a javascript: URL": "javascript:alert(1)",
      "an upper-case JavaScript: URL": "JavaScript:alert(1)",
      "a data: URL": "data:image/png;base64,iVBORw0KGgo=",
      "a relative path": "/images/ada.png",
      "a bare host": "cdn.example.com/ada.png",
      "a protocol-relative URL": "//evil.example.net/ada.png",
      "an ftp: URL": "ftp://cdn.example.com/ada.png",
      "https: without slashes": "https:cdn.example.com/ada.png",
      "https: with three slashes": "https:///cdn.example.com/ada.png",
      "https: without a host": "https://",
      "a leading space": " https://cdn.example.com/ada.png",
      "a trailing newline": "https://cdn.example.com/ada.png\n",
      "an inner tab": "https://cdn.example.com/a\tda.png",
      "a backslash": "https://cdn.example.com\\ada.png",
      "credentials": "https://user:pass@cdn.example.com/ada.png",
      "a user name": "https://user@cdn.example.com/ada.png",
      "an empty user": "https://@cdn.example.com/ada.png",
      "a NUL": "https://cdn.example.com/a\u0000da.png",
      "2049 characters": `https://cdn.example.com/${"a".repeat(2049 - "https://cdn.example.com/".length)}`,
    };
    for (const [label, image] of Object.entries(refused)) {
      it(`PATCH /me refuses ${label} with 400 naming image, and the profile is unchanged`, async () => {
        await expectPatchRefused(e, user, { image }, "image");
      });
    }

    it("PATCH /me names the scheme rule for a javascript: URL", async () => {
      await expectPatchRefused(e, user, { image: "javascript:alert(1)" }, "image", /absolute http: or https: URL/);
    });

    it("PATCH /me accepts an absolute https: URL of 2048 characters, and http: in development", async () => {
      for (const image of [`https://cdn.example.com/${"a".repeat(2048 - "https://cdn.example.com/".length)}`, "http://localhost:8080/ada.png"]) {
        const res = await e.call("PATCH", "/me", { token: user.token, body: { image } });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expect(res.body.image).toBe(image);
      }
      expect((await e.call("PATCH", "/me", { token: user.token, body: { image: "https://cdn.example.com/ada.png" } })).status).toBe(200);
    });

    it('PATCH /me with image "" removes the image', async () => {
      const other = await signUp(e);
      expect((await e.call("PATCH", "/me", { token: other.token, body: { image: "https://cdn.example.com/x.png" } })).body.image).toBe("https://cdn.example.com/x.png");
      const res = await e.call("PATCH", "/me", { token: other.token, body: { image: "" } });
      expect(res.status).toBe(200);
      expect((await me(e, other.token)).image).toBe("");
    });

    it("documents image as a uri of at most 2048 characters in the OpenAPI document", async () => {
      const doc = (await e.call("GET", "/openapi.json")).body;
      const image = doc.components.schemas.ProfilePatch.properties.image;
      expect(image).toMatchObject({ type: "string", format: "uri", maxLength: 2048 });
    });
  });

  describe("names", () => {
    const refused: Record<string, string> = {
      NUL: "Ada\u0000",
      CR: "Ada\rLovelace",
      LF: "Ada\nLovelace",
      "CRLF and a header": "Ada\r\nSet-Cookie: authsome_session=x",
      "a tab": "Ada\tLovelace",
      DEL: "Ada\u007F",
      "a C1 control (NEL)": "Ada\u0085",
      "an RTL override (U+202E)": "\u202Eexe.txt",
      "an LTR embedding (U+202A)": "\u202AAda",
      "a pop directional formatting (U+202C)": "Ada\u202C",
      "an LTR isolate (U+2066)": "\u2066Ada",
      "a pop directional isolate (U+2069)": "Ada\u2069",
      "a lone surrogate": "Ada\uD800",
    };
    for (const field of ["first_name", "last_name"]) {
      for (const [label, name] of Object.entries(refused)) {
        it(`PATCH /me refuses ${field} with ${label}, naming ${field}, and the profile is unchanged`, async () => {
          await expectPatchRefused(e, user, { [field]: name }, field, /control characters/);
        });
      }
      it(`POST /signup refuses ${field} with NUL, CRLF or an RTL override, naming ${field}, and creates no user`, async () => {
        for (const name of [refused.NUL, refused["CRLF and a header"], refused["an RTL override (U+202E)"]]) {
          await expectSignUpRefused(e, { [field]: name }, field, /control characters .*bidirectional/);
        }
      });
    }

    it("keeps names to 100 characters and accepts letters of any script, RTL text included", async () => {
      await expectPatchRefused(e, user, { first_name: "a".repeat(101) }, "first_name");
      const other = await signUp(e, { first_name: "Zoë Łukasz-O'Brien", last_name: "محمد" });
      for (const body of [{ first_name: "a".repeat(100) }, { first_name: "李小龍", last_name: "Ñúñez 😀" }]) {
        const res = await e.call("PATCH", "/me", { token: other.token, body });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expect(res.body).toMatchObject(body);
      }
    });
  });

  describe("every 400 names its field", () => {
    const refusedMetadata: Array<[string, Record<string, unknown>, string]> = [
      ["a NUL in a nested value", { a: { b: "x\u0000y" } }, "metadata.a.b"],
      ["a NUL in a nested key", { a: { "k\u0000": 1 } }, "metadata.a.k\u0000"],
      ["a NUL in a top-level key", { "\u0000": "v" }, "metadata.\u0000"],
      ["a lone high surrogate in an array", { list: ["ok", "\uD800"] }, "metadata.list.1"],
      ["a lone low surrogate in a key", { "a\uDC00b": true }, "metadata.a\uDC00b"],
      ["a lone surrogate seven levels down", { a: { b: { c: { d: { e: { f: { g: "\uDBFF" } } } } } } }, "metadata.a.b.c.d.e.f.g"],
    ];
    for (const [label, metadata, field] of refusedMetadata) {
      it(`PATCH /me refuses metadata with ${label}, naming ${JSON.stringify(field)}, and the profile is unchanged`, async () => {
        await expectPatchRefused(e, user, { metadata }, field, /NUL characters or unpaired surrogates/);
      });
      it(`POST /signup refuses metadata with ${label}, naming ${JSON.stringify(field)}, and creates no user`, async () => {
        await expectSignUpRefused(e, { metadata }, field);
      });
    }

    it("accepts metadata with paired surrogates (emoji) in keys and values", async () => {
      const other = await signUp(e);
      const metadata = { "😀": ["👩‍👩‍👧‍👦"], nested: { flag: "🏳️‍🌈" } };
      const res = await e.call("PATCH", "/me", { token: other.token, body: { metadata } });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.metadata).toEqual(metadata);
    });

    it("names a __proto__ key as an unknown field (an own key of details.fields), and changes nothing", async () => {
      const before = await me(e, user.token);
      const res = await e.call("PATCH", "/me", { token: user.token, body: '{"first_name":"Eve","__proto__":{"polluted":true}}' });
      expectInvalid(res, "__proto__", /not a known field/);
      expect(Object.keys(res.body.details.fields)).toEqual(["__proto__"]);
      expect(await me(e, user.token)).toEqual(before);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();

      const email = uniqueEmail("proto");
      const signUpRes = await e.call("POST", "/signup", { body: `{"email":"${email}","password":"${secret}","__proto__":{"polluted":true}}` });
      expectInvalid(signUpRes, "__proto__");
      expect(await usersWithEmail(e, email)).toBe(0);
    });

    it("names the body of malformed JSON and of JSON that is not an object", async () => {
      const before = await me(e, user.token);
      for (const body of ['{"first_name": "Eve"', "{'first_name': 'Eve'}", ""]) {
        expectInvalid(await e.call("PATCH", "/me", { token: user.token, body, headers: { "content-type": "application/json" } }), "body", /not valid JSON/);
      }
      for (const body of ["[]", "null", '"x"']) expectInvalid(await e.call("PATCH", "/me", { token: user.token, body }), "body");
      expect(await me(e, user.token)).toEqual(before);
    });
  });

  describe("passwords of only whitespace", () => {
    const blanks: Record<string, string> = {
      "12 spaces": " ".repeat(12),
      "tabs and newlines": "\t\n\t\n\t\n\t\n\t\n\t\n",
      "no-break and ideographic spaces": "\u00A0\u3000".repeat(6),
    };

    for (const [label, password] of Object.entries(blanks)) {
      it(`POST /signup refuses a password of ${label} with 400 weak_password, and creates no user`, async () => {
        const email = uniqueEmail("blank");
        const res = await e.call("POST", "/signup", { body: { email, password } });
        expect(res.status).toBe(400);
        expect(res.body.code).toBe("weak_password");
        expect(res.body.details.rules).toContain("not only spaces");
        expect(await usersWithEmail(e, email)).toBe(0);
      });
    }

    it("accepts a password with inner and surrounding spaces that is not only spaces", async () => {
      const res = await e.call("POST", "/signup", { body: { email: uniqueEmail("spaced"), password: "  a b c d e f  " } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    });

    it("POST /change-password refuses a new password of 12 spaces; the old one still signs in", async () => {
      const other = await signUp(e);
      const res = await e.call("POST", "/change-password", { token: other.token, body: { current_password: secret, new_password: " ".repeat(12) } });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe("weak_password");
      expect(res.body.details.rules).toContain("not only spaces");
      expect((await e.call("POST", "/signin", { body: { email: other.email, password: secret } })).status).toBe(200);
      expect((await e.call("POST", "/signin", { body: { email: other.email, password: " ".repeat(12) } })).status).toBe(401);
    });

    it("POST /reset-password refuses a new password of 12 spaces without burning the token", async () => {
      const other = await signUp(e);
      expect((await e.call("POST", "/forgot-password", { body: { email: other.email } })).status).toBe(200);
      const token = linkIn(e.mailer.lastTo(other.email)?.text ?? "").searchParams.get("token") ?? "";
      const res = await e.call("POST", "/reset-password", { body: { token, new_password: " ".repeat(12) } });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe("weak_password");
      expect(res.body.details.rules).toContain("not only spaces");
      expect((await e.call("POST", "/signin", { body: { email: other.email, password: secret } })).status).toBe(200);
      expect((await e.call("POST", "/reset-password", { body: { token, new_password: "a real new password" } })).status).toBe(200);
    });
  });

  describe("wrong methods", () => {
    const wrong: Array<[string, string, string]> = [
      ["PUT", "/session", "GET, HEAD"],
      ["POST", "/session", "GET, HEAD"],
      ["GET", "/signin", "POST"],
      ["DELETE", "/signup", "POST"],
      ["GET", "/change-password", "POST"],
      ["GET", "/verify-email/resend", "POST"],
      ["PATCH", "/sessions", "GET, HEAD, DELETE"],
      ["POST", "/me", "GET, HEAD, PATCH, DELETE"],
      ["POST", "/health", "GET, HEAD"],
      ["DELETE", "/openapi.json", "GET, HEAD"],
    ];
    for (const [method, path, allow] of wrong) {
      it(`${method} ${path} answers 405 method_not_allowed with Allow: ${allow}`, async () => {
        const res = await e.call(method, path);
        expect(res.status).toBe(405);
        expect(res.headers.get("allow")).toBe(allow);
        expect(res.headers.get("content-type")).toMatch(/^application\/json/);
        expect(res.body).toEqual({ error: expect.any(String), code: "method_not_allowed" });
      });
    }

    it("PUT /sessions/{id} answers 405 with Allow: DELETE, and the session stays", async () => {
      const other = await signUp(e);
      const id = (await e.call("GET", "/session", { token: other.token })).body.session.id as string;
      expect(id).toMatch(/^ases_/);
      const res = await e.call("PUT", `/sessions/${id}`, { token: other.token });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("DELETE");
      expect(res.body.code).toBe("method_not_allowed");
      expect((await e.call("GET", "/session", { token: other.token })).status).toBe(200);
    });

    it("PUT /me with a body answers 405 and changes nothing", async () => {
      const before = await me(e, user.token);
      const res = await e.call("PUT", "/me", { token: user.token, body: { first_name: "Mallory" } });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("GET, HEAD, PATCH, DELETE");
      expect(await me(e, user.token)).toEqual(before);
    });

    it("HEAD is served where GET is, and is a 405 with Allow where only POST is", async () => {
      // Not through e.call: a HEAD answer says JSON but has no body to parse.
      const head = (path: string) => e.auth.handler(new Request(`${origin}${basePath}${path}`, { method: "HEAD" }));
      const health = await head("/health");
      expect(health.status).toBe(200);
      expect(await health.text()).toBe("");
      const signin = await head("/signin");
      expect(signin.status).toBe(405);
      expect(signin.headers.get("allow")).toBe("POST");
      expect(await signin.text()).toBe("");
    });

    it("an unknown path stays 404 not_found, whatever the method (trailing slashes and extra segments included)", async () => {
      for (const [method, path] of [
        ["GET", "/nope"],
        ["PUT", "/nope"],
        ["GET", "/session/"],
        ["PUT", "/session/extra"],
        ["DELETE", "/sessions/ases_x/extra"],
        ["GET", "/SESSION"],
      ] as const) {
        const res = await e.call(method, path);
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(res.headers.get("allow"), `${method} ${path}`).toBeNull();
        expect(res.body).toEqual({ error: expect.any(String), code: "not_found" });
      }
    });

    it("a CORS preflight from a trusted origin is still a 204, on a path whatever methods it serves", async () => {
      for (const path of ["/session", "/signin"]) {
        const res = await e.call("OPTIONS", path, { headers: { origin: trustedOrigin, "access-control-request-method": "POST" } });
        expect(res.status, path).toBe(204);
        expect(res.headers.get("access-control-allow-origin")).toBe(trustedOrigin);
      }
    });
  });
});

describe("input rules (outside development)", () => {
  let e: TestEngine;
  let user: SignedUp;
  beforeAll(async () => {
    e = await createTestEngine({ config: { development: false, secret: "s".repeat(32), appUrl: "https://app.example.com" } });
    user = await signUp(e);
  });
  afterAll(() => e?.drop());

  it("PATCH /me refuses an http: image URL, naming the https: rule, and the profile is unchanged", async () => {
    await expectPatchRefused(e, user, { image: "http://cdn.example.com/ada.png" }, "image", /absolute https: URL/);
    await expectPatchRefused(e, user, { image: "javascript:alert(1)" }, "image", /absolute https: URL/);
  });

  it("PATCH /me accepts an https: image URL", async () => {
    const res = await e.call("PATCH", "/me", { token: user.token, body: { image: "https://cdn.example.com/ada.png" } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((await me(e, user.token)).image).toBe("https://cdn.example.com/ada.png");
  });
});
