import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase } from '../../test/app.ts';
import pino from 'pino';
import { openDatabase } from './client.ts';
import { Jobs } from '../platform/jobs.ts';

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

  it('should let processes started together set up the job queues of a fresh database without a deadlock', async () => {
    const fresh = await createTestDatabase(process.env.TEST_DATABASE_URL!);
    const opened: Array<{ database: Awaited<ReturnType<typeof openDatabase>>; jobs?: Jobs }> = [];
    try {
      const definitions = Array.from({ length: 12 }, (_, i) => ({ name: `race.queue-${i}`, version: 1, handle: async () => undefined }));
      // Two api processes, a bot and a worker: each opens the job engine and registers every queue at once.
      const started = await Promise.allSettled(
        [1, 2, 3, 4].map(async () => {
          const entry: (typeof opened)[number] = { database: await openDatabase({ url: fresh.url, dataDir: 'memory://', poolMax: 4 }) };
          opened.push(entry);
          entry.jobs = await Jobs.open(entry.database, pino({ level: 'silent' }));
          await entry.jobs.register(definitions, false);
        }),
      );
      assert.deepEqual(started.filter((s) => s.status === 'rejected').map((s) => String((s as PromiseRejectedResult).reason)), []);
    } finally {
      for (const { database, jobs } of opened) {
        await jobs?.close();
        await database.close();
      }
      await fresh.drop();
    }
  });
});
