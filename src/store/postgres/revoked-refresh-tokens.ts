import { and, eq, lte, ne } from "drizzle-orm";
import type { AnyPgDatabase } from "../../migrate/runner.js";
import { revokedRefreshTokens } from "../../schema/sessions.js";
import type { RevokedRefreshToken, RevokedRefreshTokensStore } from "../contract/index.js";

export class PgRevokedRefreshTokensStore implements RevokedRefreshTokensStore {
  constructor(private readonly db: AnyPgDatabase) {}

  async findByTokenHash(appId: string, tokenHash: string): Promise<RevokedRefreshToken | null> {
    const [row] = await this.db
      .select()
      .from(revokedRefreshTokens)
      .where(and(eq(revokedRefreshTokens.tokenHash, tokenHash), eq(revokedRefreshTokens.appId, appId)))
      .limit(1);
    return row ?? null;
  }

  async markReplayed(appId: string, tokenHash: string): Promise<boolean> {
    // Conditional update: of many concurrent replays exactly one sees the row change, so the alert fires once.
    const rows = await this.db
      .update(revokedRefreshTokens)
      .set({ reason: "replay_detected" })
      .where(
        and(
          eq(revokedRefreshTokens.tokenHash, tokenHash),
          eq(revokedRefreshTokens.appId, appId),
          ne(revokedRefreshTokens.reason, "replay_detected"),
        ),
      )
      .returning({ tokenHash: revokedRefreshTokens.tokenHash });
    return rows.length > 0;
  }

  async purgeExpired(now: Date): Promise<number> {
    const rows = await this.db
      .delete(revokedRefreshTokens)
      .where(lte(revokedRefreshTokens.expiresAt, now))
      .returning({ tokenHash: revokedRefreshTokens.tokenHash });
    return rows.length;
  }
}
