import type { RandomSource } from "../crypto/tokens.js";
import type { Mailer } from "../mail/mailer.js";
import type { App, Environment, Store, StoreRepositories } from "../store/contract.js";
import type { ResolvedConfig } from "./config.js";
import type { HookBus, Logger } from "./hooks.js";
import type { Protection } from "./services/protection.js";
import type { RequestMeta, SessionService } from "./services/sessions.js";

/** The app and environment this engine serves, resolved by `start()`. */
export interface Tenant {
  app: App;
  env: Environment;
}

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
  /** @throws AuthsomeError `not_started` before `start()` has finished. */
  tenant(): Tenant;
  /** Appends an audit event (on `repos` to join a transaction). */
  audit(input: AuditInput, repos?: StoreRepositories): Promise<void>;
}
