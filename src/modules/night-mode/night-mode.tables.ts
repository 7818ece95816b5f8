import { pgTable } from 'drizzle-orm/pg-core';
import { telegramId, timestampTz } from '../../db/columns.ts';
import { groups } from '../groups/groups.tables.ts';

/**
 * The last scheduled night a group's night mode was started for, so the schedule starts each
 * night once: an admin who lifts night mode early is not overruled a minute later.
 */
export const nightModeRuns = pgTable('night_mode_runs', {
  groupId: telegramId('group_id')
    .primaryKey()
    .references(() => groups.groupId, { onDelete: 'cascade', onUpdate: 'cascade' }),
  windowStart: timestampTz('window_start').notNull(),
});
