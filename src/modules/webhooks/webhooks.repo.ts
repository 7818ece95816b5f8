import { desc, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { customWebhooks, githubDeliveries, webhookDeliveries, webhookEndpoints } from './webhooks.tables.ts';

export type CustomWebhookRow = typeof customWebhooks.$inferSelect;
export type EndpointRow = typeof webhookEndpoints.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

export class WebhooksRepo {
  constructor(private readonly db: Executor) {}

  async insertCustom(row: typeof customWebhooks.$inferInsert, tx: Executor = this.db): Promise<CustomWebhookRow> {
    const [created] = await tx.insert(customWebhooks).values(row).returning();
    return created;
  }

  async findCustom(id: number, tx: Executor = this.db): Promise<CustomWebhookRow | undefined> {
    const [row] = await tx.select().from(customWebhooks).where(eq(customWebhooks.id, id)).limit(1);
    return row;
  }

  async findCustomByHash(tokenHash: string, tx: Executor = this.db): Promise<CustomWebhookRow | undefined> {
    const [row] = await tx.select().from(customWebhooks).where(eq(customWebhooks.tokenHash, tokenHash)).limit(1);
    return row;
  }

  async listCustom(botId: number | null, tx: Executor = this.db): Promise<CustomWebhookRow[]> {
    return tx.select().from(customWebhooks).where(botId === null ? undefined : eq(customWebhooks.botId, botId)).orderBy(desc(customWebhooks.id));
  }

  async updateCustom(id: number, patch: Partial<typeof customWebhooks.$inferInsert>, tx: Executor = this.db): Promise<CustomWebhookRow | undefined> {
    const [row] = await tx.update(customWebhooks).set(patch).where(eq(customWebhooks.id, id)).returning();
    return row;
  }

  async deleteCustom(id: number, tx: Executor = this.db): Promise<CustomWebhookRow | undefined> {
    const [row] = await tx.delete(customWebhooks).where(eq(customWebhooks.id, id)).returning();
    return row;
  }

  async insertEndpoint(row: typeof webhookEndpoints.$inferInsert, tx: Executor = this.db): Promise<EndpointRow> {
    const [created] = await tx.insert(webhookEndpoints).values(row).returning();
    return created;
  }

  async findEndpoint(id: number, tx: Executor = this.db): Promise<EndpointRow | undefined> {
    const [row] = await tx.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).limit(1);
    return row;
  }

  async listEndpoints(botId: number | null, tx: Executor = this.db): Promise<EndpointRow[]> {
    return tx.select().from(webhookEndpoints).where(botId === null ? undefined : eq(webhookEndpoints.botId, botId)).orderBy(desc(webhookEndpoints.id));
  }

  /** Enabled endpoints subscribed to the event, for this bot or for every bot. */
  async enabledEndpoints(tx: Executor = this.db): Promise<EndpointRow[]> {
    return tx.select().from(webhookEndpoints).where(eq(webhookEndpoints.enabled, true));
  }

  async deleteEndpoint(id: number, tx: Executor = this.db): Promise<EndpointRow | undefined> {
    const [row] = await tx.delete(webhookEndpoints).where(eq(webhookEndpoints.id, id)).returning();
    return row;
  }

  /** Inserts the delivery unless this endpoint already has this event; returns it only when new. */
  async insertDelivery(row: typeof webhookDeliveries.$inferInsert, tx: Executor = this.db): Promise<DeliveryRow | undefined> {
    const [created] = await tx.insert(webhookDeliveries).values(row).onConflictDoNothing().returning();
    return created;
  }

  async findDelivery(id: number, tx: Executor = this.db): Promise<DeliveryRow | undefined> {
    const [row] = await tx.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).limit(1);
    return row;
  }

  async recordAttempt(id: number, patch: Partial<typeof webhookDeliveries.$inferInsert>, tx: Executor = this.db): Promise<DeliveryRow> {
    const [row] = await tx
      .update(webhookDeliveries)
      .set({ ...patch, attempts: sql`${webhookDeliveries.attempts} + 1` })
      .where(eq(webhookDeliveries.id, id))
      .returning();
    return row;
  }

  async setDeliveryStatus(id: number, status: DeliveryRow['status'], tx: Executor = this.db): Promise<void> {
    await tx.update(webhookDeliveries).set({ status }).where(eq(webhookDeliveries.id, id));
  }

  async deliveries(endpointId: number, limit: number, tx: Executor = this.db): Promise<DeliveryRow[]> {
    return tx.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpointId)).orderBy(desc(webhookDeliveries.id)).limit(limit);
  }

  /** Records a GitHub delivery id; false when it was already handled. */
  async claimGithubDelivery(row: typeof githubDeliveries.$inferInsert, tx: Executor = this.db): Promise<boolean> {
    const inserted = await tx.insert(githubDeliveries).values(row).onConflictDoNothing().returning({ id: githubDeliveries.deliveryId });
    return inserted.length > 0;
  }
}
