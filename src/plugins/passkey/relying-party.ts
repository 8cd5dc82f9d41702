import { ValidationError } from "../../plugin/index.js";

/** Who the credentials are for: the RP ID they are scoped to, the origins that may use them, and the ceremony's rules. */
export interface RelyingParty {
  rpId: string;
  /** Exact origins (`https://app.example.com`); with `rpId` `localhost`, every `http://localhost:<port>` too. */
  origins: readonly string[];
  userVerification: "required" | "preferred" | "discouraged";
  timeoutSeconds: number;
  /** Whether `origin` may run a ceremony for this RP. */
  allows(origin: string): boolean;
}

const invalid = (field: string, message: string) => new ValidationError("invalid_config", `passkey.${field} ${message}`, { details: { field: `passkey.${field}` } });
const hostShape = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
const ipShape = /^(\d{1,3}(\.\d{1,3}){3}|\[?[0-9a-f]*:[0-9a-f:.]*\]?)$/;
const localhostOrigin = /^http:\/\/localhost(:\d{1,5})?$/;

/** An RP ID: a host name, lower case, no port — never an IP address (browsers refuse those). */
function checkedRpId(rpId: string): string {
  if (!hostShape.test(rpId) || ipShape.test(rpId)) throw invalid("rpId", "must be a host name such as example.com (no scheme, port or IP address)");
  return rpId;
}

/**
 * An origin the credentials may be used from: `https://` on the RP ID or a subdomain of it — `http://` only for
 * `localhost`, and only when the RP ID is `localhost`.
 */
function checkedOrigin(value: string, rpId: string, field: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(field, "must be an origin such as https://app.example.com");
  }
  if (url.origin !== value.replace(/\/$/, "")) throw invalid(field, "must be an origin only (scheme, host and port; no path)");
  const onRp = url.hostname === rpId || url.hostname.endsWith(`.${rpId}`);
  if (!onRp) throw invalid(field, `must be on the RP ID ${rpId} or a subdomain of it`);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && rpId === "localhost")) throw invalid(field, "must be https:// (http:// only on localhost)");
  return url.origin;
}

/**
 * `appUrl`'s origin, when credentials of `rpId` can be used there; for the RP `localhost` nothing else is needed (any
 * `http://localhost:<port>` is accepted).
 * @throws ValidationError `invalid_config` when there is no usable origin
 */
function defaultOrigins(appUrl: string | null, rpId: string): string[] {
  try {
    if (appUrl !== null) return [checkedOrigin(new URL(appUrl).origin, rpId, "origins")];
  } catch (err) {
    if (rpId !== "localhost") throw err;
  }
  if (rpId === "localhost") return [];
  throw invalid("origins", "are required: set passkey({ origins }) or config.appUrl");
}

export interface RelyingPartyInput {
  rpId?: string | undefined;
  origins?: readonly string[] | undefined;
  userVerification?: string | undefined;
  timeoutSeconds: number;
}

/**
 * The RP from the plugin's options and the app's URL: `rpId` defaults to the host of `appUrl` (`localhost` without
 * one, or for an IP address), `origins` to `appUrl`'s origin.
 * @throws ValidationError `invalid_config` naming the field.
 */
export function relyingParty(input: RelyingPartyInput, appUrl: string | null): RelyingParty {
  // An app on an IP address (a development loopback URL) has no host to scope credentials to: localhost instead.
  const appHostname = appUrl === null ? null : new URL(appUrl).hostname;
  const appHost = appHostname !== null && !ipShape.test(appHostname) ? appHostname : null;
  const rpId = checkedRpId(input.rpId ?? appHost ?? "localhost");
  if (input.origins !== undefined && (!Array.isArray(input.origins) || input.origins.length === 0)) throw invalid("origins", "must be a non-empty list of origins");
  const origins = input.origins?.map((o, i) => checkedOrigin(String(o), rpId, `origins[${i}]`)) ?? defaultOrigins(appUrl, rpId);
  const userVerification = input.userVerification ?? "preferred";
  if (userVerification !== "required" && userVerification !== "preferred" && userVerification !== "discouraged") {
    throw invalid("userVerification", 'must be "required", "preferred" or "discouraged"');
  }
  return {
    rpId,
    origins,
    userVerification,
    timeoutSeconds: input.timeoutSeconds,
    allows: (origin) => origins.includes(origin) || (rpId === "localhost" && localhostOrigin.test(origin)),
  };
}
