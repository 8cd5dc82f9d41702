import { and, eq, isNull, sql } from "drizzle-orm";
import { defineStore, type TenantScope, type User } from "../../plugin/index.js";
import { users } from "../../schema/users.js";
import { oauthAccounts } from "./schema.js";

export type OAuthAccount = typeof oauthAccounts.$inferSelect;
export type NewOAuthAccount = Omit<typeof oauthAccounts.$inferInsert, "createdAt" | "updatedAt"> & { id: string; createdAt: Date };

/** The sealed tokens of a link, with when they expire and what they grant. */
export interface SealedTokens {
  accessTokenSealed: string | null;
  /** Absent: the stored one is kept. */
  refreshTokenSealed?: string | null;
  tokenExpiresAt: Date | null;
  scope: string;
}

/** Provider links (`authsome_oauth_accounts`), tenant-bound by app and environment; a link of a deleted user is gone. */
export const socialStore = defineStore(
  {
    conflicts: {
      authsome_oauth_accounts_provider_account_uq: { code: "account_linked_elsewhere", message: "This provider account is linked to another user" },
      authsome_oauth_accounts_user_provider_uq: { code: "provider_already_linked", message: "An account of this provider is already linked; unlink it first" },
    },
  },
  function socialQueries({ db }) {
    return {
      /** The link of a provider account in the tenant, with its (live) user. */
      async findLinked(scope: TenantScope, provider: string, providerAccountId: string): Promise<{ account: OAuthAccount; user: User } | null> {
        const [row] = await db
          .select({ account: oauthAccounts, user: users })
          .from(oauthAccounts)
          .innerJoin(users, eq(users.id, oauthAccounts.userId))
          .where(
            and(
              eq(oauthAccounts.appId, scope.appId),
              eq(oauthAccounts.envId, scope.envId),
              eq(oauthAccounts.provider, provider),
              eq(oauthAccounts.providerAccountId, providerAccountId),
              isNull(users.deletedAt),
            ),
          )
          .limit(1);
        return row ?? null;
      },

      /** The user's links, oldest first (bounded: one per provider). */
      async listAllByUser(userId: string): Promise<OAuthAccount[]> {
        return db.select().from(oauthAccounts).where(eq(oauthAccounts.userId, userId)).orderBy(oauthAccounts.createdAt);
      },

      async findByUser(userId: string, provider: string): Promise<OAuthAccount | null> {
        const [row] = await db
          .select()
          .from(oauthAccounts)
          .where(and(eq(oauthAccounts.userId, userId), eq(oauthAccounts.provider, provider)))
          .limit(1);
        return row ?? null;
      },

      /** @throws ConflictError `account_linked_elsewhere` | `provider_already_linked`. */
      async link(input: NewOAuthAccount): Promise<OAuthAccount> {
        const [row] = await db.insert(oauthAccounts).values({ ...input, updatedAt: input.createdAt }).returning();
        return row as OAuthAccount;
      },

      /** New tokens (and the address the provider now reports) on an existing link. */
      async refresh(id: string, patch: SealedTokens & { email: string }, now: Date): Promise<void> {
        await db.update(oauthAccounts).set({ ...patch, updatedAt: now }).where(eq(oauthAccounts.id, id));
      },

      /** Removes the user's link of `provider`; how many rows went (0 or 1). */
      async unlink(userId: string, provider: string): Promise<number> {
        const gone = await db
          .delete(oauthAccounts)
          .where(and(eq(oauthAccounts.userId, userId), eq(oauthAccounts.provider, provider)))
          .returning({ id: oauthAccounts.id });
        return gone.length;
      },

      /** Every link of the user (account deletion). */
      async deleteAllByUser(userId: string): Promise<number> {
        return (await db.delete(oauthAccounts).where(eq(oauthAccounts.userId, userId)).returning({ id: oauthAccounts.id })).length;
      },

      /**
       * Removes the user's links made on `email` without their provider vouching for it (`metadata.emailVerified` not
       * true); the providers of the links removed.
       */
      async unlinkUnverified(userId: string, email: string): Promise<string[]> {
        const gone = await db
          .delete(oauthAccounts)
          .where(
            and(
              eq(oauthAccounts.userId, userId),
              sql`lower(${oauthAccounts.email}) = lower(${email})`,
              sql`coalesce((${oauthAccounts.metadata} ->> 'emailVerified')::boolean, false) = false`,
            ),
          )
          .returning({ provider: oauthAccounts.provider });
        return gone.map((row) => row.provider);
      },
    };
  },
);
