import type { CodeHasher } from "../crypto/codes.js";
import type { Sealer } from "../crypto/sealing.js";
import type { RandomSource } from "../crypto/tokens.js";
import type { Mailer } from "../mail/mailer.js";
import type { Store, TenantScope, User } from "../store/contract/index.js";
import type { ResolvedConfig } from "./config.js";
import type { HookBus } from "./hooks.js";
import type { Logger } from "./logger.js";
import type { Events } from "./events.js";
import type { Availability } from "./services/availability.js";
import type { Ceremonies } from "./services/ceremonies.js";
import type { Outbox } from "./services/outbox.js";
import type { Protection } from "./services/protection.js";
import type { TrustedDevices } from "./services/trusted-devices.js";
import type { SessionService } from "./services/sessions.js";
import type { SignIns } from "./services/sign-ins.js";
import type { SignInMethods } from "./services/sign-in-methods.js";
import type { Redirects } from "./redirects.js";
import type { Tenant, TenantResolver } from "./tenants.js";

export type { SessionSettings, Tenant } from "./tenants.js";

/**
 * A credential a plugin can check again before a sensitive operation (account deletion): the password plugin
 * registers the password. A user with none of them proves themselves with a fresh session instead.
 */
export interface Reauthenticator {
  /** Whether the user has this credential. */
  has(user: User): Promise<boolean>;
  /** Whether `proof` (what the request carried: a password, …) proves this credential. */
  verify(user: User, proof: { password?: string }): Promise<boolean>;
}

/** What the engine's services, routes and plugins share. */
export interface EngineContext {
  readonly config: ResolvedConfig;
  readonly store: Store;
  readonly mailer: Mailer;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly random: RandomSource | undefined;
  readonly hooks: HookBus;
  readonly sessions: SessionService;
  /** The end of every sign-in: bans, email verification, second-factor gates, the session and its event. */
  readonly signIns: SignIns;
  /** Every way in each user has (a password, provider accounts, passkeys), as the plugins that hold them report. */
  readonly signInMethods: SignInMethods;
  /** `redirect_to` checked against `appUrl` and the trusted origins, and resolved for the browser. */
  readonly redirects: Redirects;
  /** Durable events, written in the caller's transaction (today: the audit log). */
  readonly events: Events;
  /** One-time state (tickets, OAuth state, challenges, links), tenant-bound, consumed atomically. */
  readonly ceremonies: Ceremonies;
  /**
   * AES-256-GCM sealing of secrets the engine must read back (TOTP seeds, provider tokens, webhook secrets), keyed
   * from `config.secret` (rotation-aware). In development without a secret, from a secret generated at start-up:
   * values sealed then do not open after a restart.
   */
  readonly sealer: Sealer;
  /** Outgoing HTTP (OAuth providers, webhooks): `AuthsomeOptions.fetch`, else the global `fetch`. */
  readonly fetch: typeof fetch;
  readonly protection: Protection;
  /** Mail after the response: background jobs, the per-recipient limit, retried sends. */
  readonly outbox: Outbox;
  /** HMAC-SHA-256 of short codes under a key derived from `config.secret` (rotation-aware). */
  readonly codes: CodeHasher;
  /** Signed `authsome_device` cookies: browsers that signed in to an account before pass its lockout. */
  readonly devices: TrustedDevices;
  /**
   * The database as background workers see it: a job that fails because it is unreachable closes the gate
   * (`absorb(error)`), workers start nothing while it is closed (`open`, `whenOpen()`), and it probes with backoff
   * until the database answers. Any worker a plugin runs uses it the same way the mail queue does.
   */
  readonly availability: Availability;
  /** Credentials plugins registered for re-authentication (see `Reauthenticator`). */
  readonly reauthenticators: Reauthenticator[];
  readonly tenants: TenantResolver;
  /**
   * The app the current request or call acts for: the one `withTenant` (an `X-Publishable-Key` header, or
   * `auth.withApp`) selected, else the configured app.
   * @throws AuthsomeError `not_started` before `start()` has finished.
   */
  tenant(): Tenant;
  /** The current tenant as a store scope (`{ appId, envId }`), for the sub-stores' tenant-bound methods. */
  scope(): TenantScope;
  /** Runs `fn` (and everything it awaits) as `tenant`. */
  withTenant<T>(tenant: Tenant, fn: () => T): T;
}
