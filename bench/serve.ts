// Starts tgbase (api role only) for a benchmark, printing `listening <port>` when ready.
import { loadConfig } from '../src/config.ts';
import { buildDeps } from '../src/deps.ts';
import { buildApp } from '../src/app.ts';
import { createLogger } from '../src/platform/logger.ts';

const config = loadConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ROLES: 'api' });
const deps = await buildDeps(config, createLogger('warn'));
const app = await buildApp(deps);
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
console.log(`listening ${typeof address === 'object' && address ? address.port : 0}`);
process.on('SIGTERM', async () => {
  await app.close();
  await deps.close();
  process.exit(0);
});
