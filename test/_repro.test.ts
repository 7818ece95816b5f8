import { it } from 'node:test';
import { buildTestApp } from './app.ts';
it('repro', async () => {
  const t = await buildTestApp({ LOG_LEVEL: 'error' });
  for (const u of (process.env.URLS ?? '').split(' ')) {
    const [m, url, body] = u.split('|');
    const r = await t.call(m, url, body === undefined ? undefined : JSON.parse(body));
    console.log(m, url, r.statusCode, r.body.slice(0, 300));
  }
  await t.close();
});
