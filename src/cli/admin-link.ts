import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { jwtSigningKey } from '../deps.ts';
import { signAdminLink } from '../modules/admin-link/admin-link.service.ts';
import { acquireDataDirLock } from '../db/data-dir-lock.ts';
import { serverOwningDataDir } from './local-server.ts';

/**
 * `npm run admin-link [-- --telegram-id ID]`: prints a one-time admin panel login link. Without
 * an id the link opens an operator session (full access, like the bootstrap key). It only signs
 * a token, never opening the database. While a server owns the embedded data folder the link
 * points at that server and the folder is only read; otherwise the folder is held while the
 * signing key may be created in it.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'telegram-id': { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) {
    console.log('usage: npm run admin-link [-- --telegram-id ID]');
    return;
  }
  const telegramId = values['telegram-id'] ? Number(values['telegram-id']) : null;
  if (telegramId !== null && !(Number.isSafeInteger(telegramId) && telegramId > 0)) throw new Error('--telegram-id must be a Telegram user id');
  const config = loadConfig();
  if (config.DATA_DIR.startsWith('memory://') && !config.JWT_SECRET && !config.TOKEN_ENCRYPTION_KEY) {
    throw new Error('With an in-memory DATA_DIR the server signs with a random key: set JWT_SECRET to use login links.');
  }
  const server = serverOwningDataDir(config);
  const embedded = !config.DATABASE_URL && !config.DATA_DIR.startsWith('memory://');
  const lock = embedded && !server ? acquireDataDirLock(config.DATA_DIR, 'npm run admin-link') : undefined;
  let token: string;
  try {
    token = await signAdminLink(jwtSigningKey(config), telegramId, config.ADMIN_LINK_TTL_SECONDS);
  } finally {
    lock?.release();
  }
  const base = (config.PUBLIC_URL ?? server?.api_url ?? `http://localhost:${config.PORT}`).replace(/\/$/, '');
  console.log(`${base}/admin/#/link/${token}`);
  console.error(`One-time ${telegramId === null ? 'operator' : `admin (${telegramId})`} login link, valid for ${config.ADMIN_LINK_TTL_SECONDS} s.`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
