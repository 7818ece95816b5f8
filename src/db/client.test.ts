import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase } from '../../test/app.ts';
import { openDatabase } from './client.ts';

describe('database migrations on PostgreSQL', { skip: !process.env.TEST_DATABASE_URL && 'needs TEST_DATABASE_URL' }, () => {
  it('should let processes started together migrate a fresh database, each ending with the full schema', async () => {
    const fresh = await createTestDatabase(process.env.TEST_DATABASE_URL!);
    try {
      // As an api, a bot and a worker process starting at the same moment (a pool of one included).
      const opened = await Promise.allSettled([4, 1, 4, 2].map((poolMax) => openDatabase({ url: fresh.url, dataDir: 'memory://', poolMax })));
      const failures = opened.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason?.cause ?? (o as PromiseRejectedResult).reason));
      assert.deepEqual(failures, []);
      for (const o of opened) {
        const database = (o as PromiseFulfilledResult<Awaited<ReturnType<typeof openDatabase>>>).value;
        const { rows } = await database.pool!.query<{ n: number }>("select count(*)::int as n from information_schema.tables where table_name = 'bots'");
        assert.equal(rows[0].n, 1);
        await database.close();
      }
    } finally {
      await fresh.drop();
    }
  });
});
