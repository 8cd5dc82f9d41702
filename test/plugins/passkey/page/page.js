// The browser side of test/plugins/passkey/browser.test.ts: an app page on the API's own origin that drives the
// passkey routes with @simplewebauthn/browser (served as plain ES modules, no bundler) and the session cookie the
// engine sets (fetch sends it: same origin). The test calls these functions through page.evaluate.
import { startAuthentication, startRegistration } from "/vendor/simplewebauthn/index.js";

const api = "/v1/auth";

/** A JSON call to the API at `base`: { status, body } (a body that is not JSON comes back as text). */
async function call(method, path, body, base = api) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed };
}

/** Runs a WebAuthn ceremony step; a DOMException (or the library's WebAuthnError) comes back as { error: name }. */
async function ceremony(fn) {
  try {
    return { response: await fn() };
  } catch (err) {
    return { error: err?.name ?? String(err), code: err?.code, message: err?.message };
  }
}

window.authsome = {
  secure: () => window.isSecureContext,
  signUp: (email, password) => call("POST", "/signup", { email, password }),
  signOut: () => call("POST", "/signout"),
  me: () => call("GET", "/me"),
  passkeys: () => call("GET", "/passkeys"),

  /** Options → startRegistration → verify, with the session cookie. */
  async registerPasskey(name) {
    const options = await call("POST", "/passkeys/register/options", {});
    if (options.status !== 200) return { step: "options", ...options };
    const made = await ceremony(() => startRegistration({ optionsJSON: options.body.options }));
    if (made.error) return { step: "ceremony", ...made };
    return { step: "verify", ...(await call("POST", "/passkeys/register/verify", { response: made.response, name })) };
  },

  /**
   * A discoverable sign-in, no email typed: options → startAuthentication → verify. `overrides` are merged over the
   * request options (a client that ignores what the server asked for); `replay` posts the same answer a second time;
   * `base` is the API to ask (another engine mounted on this origin).
   */
  async passkeyLogin({ overrides = {}, replay = false, base = api } = {}) {
    const options = await call("POST", "/passkeys/login/options", undefined, base);
    if (options.status !== 200) return { step: "options", ...options };
    const optionsJSON = { ...options.body.options, ...overrides };
    const started = performance.now();
    const got = await ceremony(() => startAuthentication({ optionsJSON }));
    const ceremonyMs = Math.round(performance.now() - started);
    if (got.error) return { step: "ceremony", ceremonyMs, options: options.body.options, ...got };
    const body = { ceremony_id: options.body.ceremony_id, response: got.response };
    const verified = await call("POST", "/passkeys/login/verify", body, base);
    const replayed = replay ? await call("POST", "/passkeys/login/verify", body, base) : undefined;
    return { step: "verify", ceremonyMs, options: options.body.options, assertion: got.response, ...verified, replayed };
  },
};

document.getElementById("status").textContent = "ready";
window.pageReady = true;
