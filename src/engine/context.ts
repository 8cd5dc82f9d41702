import type { RandomSource } from "../crypto/tokens.js";
import type { Mailer } from "../mail/mailer.js";
import type { Store, StoreRepositories } from "../store/contract.js";
import type { ResolvedConfig } from "./config.js";
import type { HookBus, Logger } from "./hooks.js";
import type { Protection } from "./services/protection.js";
import type { RequestMeta, SessionService } from "./services/sessions.js";
import type { Tenant, TenantResolver } from "./tenants.js";

export type { SessionSettings, Tenant } from "./tenants.js";

export interface AuditInput {
  type: string;
  meta: RequestMeta;
  userId?: string | null;
  metadata?: Record<string, unknown>;
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
  readonly protection: Protection;
  readonly tenants: TenantResolver;
  /**
   * The app the current request or call acts for: the one `withTenant` (an `X-Publishable-Key` header, or
   * `auth.withApp`) selected, else the configured app.
   * @throws AuthsomeError `not_started` before `start()` has finished.
   */
  tenant(): Tenant;
  /** Runs `fn` (and everything it awaits) as `tenant`. */
  withTenant<T>(tenant: Tenant, fn: () => T): T;
  /** Appends an audit event (on `repos` to join a transaction). */
  audit(input: AuditInput, repos?: StoreRepositories): Promise<void>;
}
