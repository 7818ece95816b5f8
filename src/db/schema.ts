// The schema is assembled from each domain's tables; drizzle-kit generates migrations from it.
export * from '../modules/bots/bots.tables.ts';
export * from '../modules/api-keys/api-keys.tables.ts';
export * from '../modules/groups/groups.tables.ts';
export * from '../modules/roles/roles.tables.ts';
export * from '../modules/rules/rules.tables.ts';
export * from '../modules/enforcement/enforcement.tables.ts';
export * from '../modules/audit/audit.tables.ts';
export * from '../modules/members/members.tables.ts';
export * from '../modules/captcha/captcha.tables.ts';
export * from '../modules/night-mode/night-mode.tables.ts';
export * from '../modules/plugins/plugins.tables.ts';
export * from '../modules/files/files.tables.ts';
export * from '../modules/webhooks/webhooks.tables.ts';
export * from '../modules/access-log/access-log.tables.ts';
