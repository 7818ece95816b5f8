// The schema is assembled from each domain's tables; drizzle-kit generates migrations from it.
export * from '../modules/bots/bots.tables.ts';
export * from '../modules/api-keys/api-keys.tables.ts';
export * from '../modules/groups/groups.tables.ts';
export * from '../modules/roles/roles.tables.ts';
export * from '../modules/rules/rules.tables.ts';
export * from '../modules/enforcement/enforcement.tables.ts';
export * from '../modules/audit/audit.tables.ts';
export * from '../modules/users/users.tables.ts';
export * from '../modules/ledger/ledger.tables.ts';
export * from '../modules/payments/payments.tables.ts';
export * from '../modules/subscriptions/subscriptions.tables.ts';
export * from '../modules/analytics/analytics.tables.ts';
export * from '../modules/settings/settings.tables.ts';
export * from '../modules/auth/auth.tables.ts';
export * from '../modules/generations/generations.tables.ts';
export * from '../modules/broadcasts/broadcasts.tables.ts';
