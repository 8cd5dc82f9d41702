import { AuthsomeError } from "../errors.js";
import type { StoreRepositories } from "../store/contract/index.js";
import type { RequestMeta } from "./request-meta.js";
import { scopeOf, type Tenant } from "./tenants.js";

/** What an event says beyond its type: whose it is, who asked, and the event's own data. */
export interface EventInput {
  userId?: string | null;
  /** The request's IP and user agent (recorded with the event). */
  meta?: RequestMeta;
  /** The event's data (no secrets: events are kept, and the webhooks plugin will deliver them). */
  metadata?: Record<string, unknown>;
  /** The app and environment, when the event belongs to one other than the current tenant's. */
  scope?: { appId: string | null; envId?: string | null };
}

/** The events the engine emits itself; each plugin declares its own (`AuthsomePlugin.events`). */
export const coreEvents = [
  // Every method that creates accounts (password sign-up, a first social sign-in, a magic link) emits it.
  "user.signed_up",
  "signin.succeeded",
  "session.signed_out",
  "session.refresh_token_reused",
  "user.deleted",
  "user.delete_failed",
  // Any sign-in method that proves the mailbox (a verification link or code, a magic link, a mailed code) emits it.
  "user.email_verified",
] as const;

/**
 * Durable events: `emit` writes the event on `repos` — inside the caller's transaction when it passes one, so an
 * event of a rolled-back change never existed. Today an event is its audit row; the webhooks plugin adds its outbox
 * row in the same write. In-process reactions stay after-hooks.
 */
export function createEvents(deps: { store: StoreRepositories; now: () => Date; tenant: () => Tenant }) {
  const known = new Map<string, string>(coreEvents.map((name) => [name, "core"]));
  const events = {
    /**
     * Registers an owner's event names (at construction).
     * @throws AuthsomeError `invalid_config` for a name another owner declared.
     */
    declare(owner: string, names: readonly string[]): void {
      for (const name of names) {
        const holder = known.get(name);
        if (holder !== undefined && holder !== owner) {
          throw new AuthsomeError("invalid_config", `Event "${name}" of plugin "${owner}" is already declared by "${holder}"`);
        }
        known.set(name, owner);
      }
    },
    /** Every declared event name, with its owner (`core` or a plugin id). */
    catalog(): ReadonlyMap<string, string> {
      return known;
    },
    /** @throws AuthsomeError `unknown_event` for a name nobody declared (a programming error, caught by tests). */
    assertKnown(type: string): void {
      if (!known.has(type)) throw new AuthsomeError("unknown_event", `Event "${type}" is not declared by the engine or any plugin`);
    },
    /** Appends the event on `repos` (a transaction's, to commit or roll back with it). */
    async emit(type: string, input: EventInput = {}, repos: StoreRepositories = deps.store): Promise<void> {
      events.assertKnown(type);
      const scope = input.scope ?? scopeOf(deps.tenant());
      await repos.auditEvents.append({
        appId: scope.appId,
        envId: scope.envId ?? null,
        userId: input.userId ?? null,
        type,
        ipAddress: input.meta?.ipAddress ?? "",
        userAgent: input.meta?.userAgent ?? "",
        metadata: input.metadata ?? {},
        createdAt: deps.now(),
      });
    },
  };
  return events;
}

export type Events = ReturnType<typeof createEvents>;
