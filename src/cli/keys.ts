import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { buildDeps } from '../deps.ts';
import { createLogger } from '../platform/logger.ts';

/** `npm run keys -- create|list|revoke`: API key management against the configured database. */
async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      scope: { type: 'string', default: 'global' },
      'bot-id': { type: 'string' },
      'group-ids': { type: 'string' },
      access: { type: 'string', default: 'write' },
    },
  });
  const [command, arg] = positionals;
  const config = loadConfig();
  const deps = await buildDeps(config, createLogger('warn'));
  try {
    const { apiKeys } = deps.services;
    if (command === 'create') {
      if (!values.name) throw new Error('--name is required');
      const created = await apiKeys.create({
        name: values.name,
        scope: values.scope as 'global' | 'bot' | 'groups',
        bot_id: values['bot-id'] ? Number(values['bot-id']) : null,
        group_ids: values['group-ids'] ? values['group-ids'].split(',').map(Number) : null,
        access: values.access as 'read' | 'write',
      });
      console.log(JSON.stringify(created, null, 2));
      console.log('\nStore the key now: it is not shown again.');
    } else if (command === 'list') {
      console.table(await apiKeys.list());
    } else if (command === 'revoke' && arg) {
      console.log(JSON.stringify(await apiKeys.revoke(Number(arg)), null, 2));
    } else {
      console.log('usage: npm run keys -- create --name N [--scope global|bot|groups] [--bot-id ID] [--group-ids a,b] [--access read|write]\n       npm run keys -- list\n       npm run keys -- revoke ID');
      process.exitCode = 2;
    }
  } finally {
    await deps.close();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
