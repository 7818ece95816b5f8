import { lt } from 'drizzle-orm';
import type { Db, Executor } from '../../db/client.ts';
import { adminLinkRedemptions } from './admin-link.tables.ts';

export class AdminLinkRepo {
  constructor(private readonly db: Db) {}

  /** Records a redemption; false when this link was redeemed before (the insert is the lock). */
  async redeemOnce(jti: string, expiresAt: Date, tx: Executor = this.db): Promise<boolean> {
    const inserted = await tx.insert(adminLinkRedemptions).values({ jti, expiresAt }).onConflictDoNothing().returning({ jti: adminLinkRedemptions.jti });
    return inserted.length > 0;
  }

  async deleteExpired(now: Date, tx: Executor = this.db): Promise<void> {
    await tx.delete(adminLinkRedemptions).where(lt(adminLinkRedemptions.expiresAt, now));
  }
}
