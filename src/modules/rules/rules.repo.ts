import { and, asc, desc, eq } from 'drizzle-orm';
import type { Executor } from '../../db/client.ts';
import { ruleHistory, rules } from './rules.tables.ts';

export type RuleRow = typeof rules.$inferSelect;
export type RuleHistoryRow = typeof ruleHistory.$inferSelect;

export class RulesRepo {
  constructor(private readonly db: Executor) {}

  async insert(row: typeof rules.$inferInsert, tx: Executor = this.db): Promise<RuleRow> {
    const [created] = await tx.insert(rules).values(row).returning();
    return created;
  }

  async listByGroup(groupId: number, tx: Executor = this.db): Promise<RuleRow[]> {
    return tx.select().from(rules).where(eq(rules.groupId, groupId)).orderBy(desc(rules.priority), asc(rules.id));
  }

  async find(groupId: number, ruleId: number, tx: Executor = this.db): Promise<RuleRow | undefined> {
    const [row] = await tx.select().from(rules).where(and(eq(rules.groupId, groupId), eq(rules.id, ruleId))).limit(1);
    return row;
  }

  async update(groupId: number, ruleId: number, patch: Partial<typeof rules.$inferInsert>, tx: Executor = this.db): Promise<RuleRow | undefined> {
    const [row] = await tx
      .update(rules)
      .set({ ...patch, updatedAt: new Date() })
      .where(and(eq(rules.groupId, groupId), eq(rules.id, ruleId)))
      .returning();
    return row;
  }

  async delete(groupId: number, ruleId: number, tx: Executor = this.db): Promise<RuleRow | undefined> {
    const [row] = await tx.delete(rules).where(and(eq(rules.groupId, groupId), eq(rules.id, ruleId))).returning();
    return row;
  }

  async addHistory(row: typeof ruleHistory.$inferInsert, tx: Executor = this.db): Promise<void> {
    await tx.insert(ruleHistory).values(row);
  }

  async history(groupId: number, ruleId: number, tx: Executor = this.db): Promise<RuleHistoryRow[]> {
    return tx
      .select()
      .from(ruleHistory)
      .where(and(eq(ruleHistory.groupId, groupId), eq(ruleHistory.ruleId, ruleId)))
      .orderBy(asc(ruleHistory.createdAt), asc(ruleHistory.id));
  }
}
