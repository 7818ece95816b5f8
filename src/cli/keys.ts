import { parseArgs } from 'node:util';
import { Value } from 'typebox/value';
import { loadConfig, type Config } from '../config.ts';
import { buildDeps } from '../deps.ts';
import { createLogger } from '../platform/logger.ts';
import { CreateApiKeyBody } from '../modules/api-keys/api-keys.schema.ts';
import type { ApiKeyView, CreatedApiKey } from '../modules/api-keys/api-keys.schema.ts';
import type { Static } from 'typebox';
import { callServer, serverOwningDataDir, UsageError } from './local-server.ts';

const USAGE = `usage: npm run keys -- create --name NAME [--scope global|bot|groups] [--bot-id ID] [--group-ids ID,ID] [--access read|write]
       npm run keys -- list
       npm run keys -- revoke KEY_ID
       npm run keys -- --help

While a server holds the embedded DATA_DIR, the command goes through its API; otherwise it opens the database itself.`;

type Command = { kind: 'create'; body: Static<typeof CreateApiKeyBody> } | { kind: 'list' } | { kind: 'revoke'; id: number } | { kind: 'help' };

/** Reads the command line; every mistake is a UsageError, raised before anything is opened or written. */
function parseCommand(argv: string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        name: { type: 'string' },
        scope: { type: 'string', default: 'global' },
        'bot-id': { type: 'string' },
        'group-ids': { type: 'string' },
        access: { type: 'string', default: 'write' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { positionals, values } = parsed;
  const [command, arg, ...extra] = positionals;
  if (values.help || command === 'help') return { kind: 'help' };
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  if (command === 'list' && arg === undefined) return { kind: 'list' };
  if (command === 'revoke') {
    const id = Number(arg);
    if (!(Number.isSafeInteger(id) && id > 0)) throw new UsageError('revoke needs the numeric id of a key (see `npm run keys -- list`)');
    return { kind: 'revoke', id };
  }
  if (command !== 'create' || arg !== undefined) throw new UsageError(command ? `unknown command: ${[command, arg].filter(Boolean).join(' ')}` : 'no command given');
  if (!values.name) throw new UsageError('create needs --name');
  const ids = (flag: string, list: string) => {
    const parts = list.split(',').map((part) => part.trim());
    if (!parts.every((part) => /^-?\d+$/.test(part))) throw new UsageError(`${flag} takes Telegram ids (numbers), got ${list}`);
    return parts.map(Number);
  };
  const body = {
    name: values.name,
    scope: values.scope,
    bot_id: values['bot-id'] === undefined ? null : ids('--bot-id', values['bot-id'])[0],
    group_ids: values['group-ids'] === undefined ? null : ids('--group-ids', values['group-ids']),
    access: values.access,
  };
  // The server's own request schema: the CLI refuses exactly what the API would.
  const problems = [...Value.Errors(CreateApiKeyBody, body)].map((e) => `${e.instancePath.slice(1).replace('_', '-') || 'options'} ${e.message}`);
  if (problems.length > 0) throw new UsageError(`invalid options: --${problems.join('; --')}`);
  return { kind: 'create', body: body as Static<typeof CreateApiKeyBody> };
}

async function run(command: Exclude<Command, { kind: 'help' }>, config: Config): Promise<void> {
  const server = serverOwningDataDir(config);
  const created = (key: Static<typeof CreatedApiKey>) => {
    console.log(JSON.stringify(key, null, 2));
    console.log('\nStore the key now: it is not shown again.');
  };
  if (server) {
    console.error(`(through the server at ${server.api_url}, process ${server.pid}, which holds ${config.DATA_DIR})`);
    if (command.kind === 'create') created(await callServer(config, server, 'POST', '/api/v2/keys', command.body));
    else if (command.kind === 'list') console.table(await callServer<Static<typeof ApiKeyView>[]>(config, server, 'GET', '/api/v2/keys'));
    else console.log(JSON.stringify(await callServer(config, server, 'DELETE', `/api/v2/keys/${command.id}`), null, 2));
    return;
  }
  const deps = await buildDeps(config, createLogger('warn'), { owner: 'npm run keys' });
  try {
    const { apiKeys } = deps.services;
    if (command.kind === 'create') created(await apiKeys.create(command.body));
    else if (command.kind === 'list') console.table(await apiKeys.list());
    else console.log(JSON.stringify(await apiKeys.revoke(command.id), null, 2));
  } finally {
    await deps.close();
  }
}

/** `npm run keys -- create|list|revoke`: API key management, through the running server when it owns the data. */
async function main(): Promise<void> {
  const command = parseCommand(process.argv.slice(2));
  if (command.kind === 'help') return console.log(USAGE);
  await run(command, loadConfig());
}

main().catch((err) => {
  if (err instanceof UsageError) {
    console.error(`${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
