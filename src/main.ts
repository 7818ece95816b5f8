import type { Server } from 'node:net';
import type { Logger } from 'pino';
import { loadConfig, rolesOf, ConfigError, type Config, type Role } from './config.ts';
import { startRemoteBot } from './bot/remote.ts';
import { buildDeps } from './deps.ts';
import { buildApp } from './app.ts';
import { BotRunner } from './bot/runner.ts';
import { jobDefinitions } from './jobs.ts';
import { createLogger } from './platform/logger.ts';
import { LiveLogStream } from './platform/live-logs.ts';
import { DataDirLockedError } from './db/data-dir-lock.ts';
import { EmbeddedDatabaseError } from './db/client.ts';

/** Entry: read config, build one deps object, start the roles asked for, shut down gracefully. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const liveLogs = new LiveLogStream();
  const logger = createLogger(config.LOG_LEVEL, { live: liveLogs, liveLevel: config.LIVE_LOG_LEVEL });
  const roles = rolesOf(config);
  if (config.TGBASE_API_URL) return runRemoteBot(config, logger, roles);
  const deps = await buildDeps(config, logger, { liveLogs });
  logger.info({ database: deps.database.kind, cache: deps.cache.hasRedis ? 'l1+redis' : 'l1', roles: [...roles] }, 'tgbase starting');

  await deps.jobs.register(jobDefinitions(deps), roles.has('worker'));
  const botRunner = roles.has('bot') ? new BotRunner(deps, () => deps.services.bots.activeTokens()) : undefined;
  // A webhook needs a listener even when this process serves no API.
  const app = roles.has('api') || botRunner?.mode === 'webhook' ? await buildApp(deps, { botRunner }) : undefined;
  if (app) {
    await app.listen({ host: config.HOST, port: config.PORT });
    deps.database.dataDirLock?.advertise(localUrlOf(app.server.address(), config.HOST));
  }
  await botRunner?.start();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000).unref();
    // Requests and jobs waiting on Telegram fail now, so closing does not wait out their timeouts.
    deps.telegram.abortAll();
    await botRunner?.stop();
    await app?.close();
    await deps.close();
    clearTimeout(force);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

/** ROLES=bot with TGBASE_API_URL: no database here, everything goes through the remote tgbase. */
async function runRemoteBot(config: Config, logger: Logger, roles: Set<Role>): Promise<void> {
  if (roles.size !== 1 || !roles.has('bot')) throw new ConfigError('TGBASE_API_URL is for a bot process of its own: set ROLES=bot');
  if (config.BOT_MODE !== 'polling') throw new ConfigError('A remote bot process receives updates by long polling (BOT_MODE=polling)');
  const remote = await startRemoteBot(config, logger);
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await remote.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

/** The URL a CLI on this machine reaches the listener at (a wildcard host means loopback works). */
function localUrlOf(address: ReturnType<Server['address']>, host: string): string {
  const port = typeof address === 'object' && address ? address.port : 0;
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${reachable}:${port}`;
}

main().catch((err) => {
  // Problems an operator fixes get their one-line explanation, not a stack trace.
  const explained = err instanceof ConfigError || err instanceof DataDirLockedError || err instanceof EmbeddedDatabaseError;
  console.error(explained ? err.message : err);
  process.exit(1);
});
