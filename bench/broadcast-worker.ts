/**
 * A tgbase worker process for bench/broadcast.bench.ts: the real deps in the worker role with
 * every job's worker running. Configured by the environment the bench passes; prints "ready".
 */
import { loadConfig } from '../src/config.ts';
import { buildDeps } from '../src/deps.ts';
import { jobDefinitions } from '../src/jobs.ts';
import { createLogger } from '../src/platform/logger.ts';

const config = loadConfig();
const deps = await buildDeps(config, createLogger(config.LOG_LEVEL));
await deps.jobs.register(jobDefinitions(deps), true);
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  deps.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
