import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp, type TestApp } from '../../test/app.ts';
import { jobDefinitions } from '../jobs.ts';
import { Jobs, defineJob } from './jobs.ts';

const GROUP = -1004000000001;

describe('scheduled moderation jobs on the job engine', () => {
  let t: TestApp;

  before(async () => {
    t = await buildTestApp();
    await t.deps.jobs.register(jobDefinitions(t.deps), true);
    await t.call('POST', '/api/v2/groups', { group_id: GROUP, name: 'Jobs' });
  });
  after(async () => t.close());

  it('should schedule the expiry sweep and the action-log cleanup as cron jobs', async () => {
    const schedules = (await t.deps.jobs.boss.getSchedules()) as { name: string; cron: string }[];
    const byName = Object.fromEntries(schedules.map((s) => [s.name, s.cron]));
    assert.equal(byName['enforcement.sweep-expired'], '* * * * *');
    assert.equal(byName['audit.cleanup'], '17 * * * *');
  });

  it('should write the expiry into the action log when the sweep job runs on a worker', async () => {
    await t.call('POST', `/api/v2/groups/${GROUP}/enforcement/ban`, { user_id: 55, duration: 1 });
    await new Promise((r) => setTimeout(r, 1100));
    const [sweep] = jobDefinitions(t.deps).filter((d) => d.name === 'enforcement.sweep-expired');
    await t.deps.jobs.send(sweep, {});
    const deadline = Date.now() + 15_000;
    let total = 0;
    while (Date.now() < deadline) {
      total = (await t.call('GET', `/api/v2/groups/${GROUP}/actions?action=ban_expired`)).json().data.total;
      if (total > 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(total, 1);
  });
});

describe('job engine durability', () => {
  let t: TestApp;

  before(async () => {
    t = await buildTestApp();
  });
  after(async () => t.close());

  it('should run a delayed job after the engine that queued it stopped and a new one started', async () => {
    const ran: string[] = [];
    const probe = defineJob<{ tag: string }>({ name: 'test.restart-probe', version: 1, handle: async ({ tag }) => void ran.push(tag) });
    const first = await Jobs.open(t.deps.database, t.deps.logger, 'restart_probe');
    await first.register([probe], false);
    await first.send(probe, { tag: 'survivor' }, { startAfter: 1 });
    await first.close();

    const second = await Jobs.open(t.deps.database, t.deps.logger, 'restart_probe');
    try {
      await second.register([probe], true);
      await waitUntil(() => ran.length > 0, 15_000);
      assert.deepEqual(ran, ['survivor']);
    } finally {
      await second.close();
    }
  });

  it('should run every job exactly once with two workers on the same database', async () => {
    const runs = new Map<number, number>();
    const probe = defineJob<{ n: number }>({
      name: 'test.once-probe',
      version: 1,
      handle: async ({ n }) => {
        runs.set(n, (runs.get(n) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 5));
      },
    });
    const workers = [await Jobs.open(t.deps.database, t.deps.logger, 'once_probe'), await Jobs.open(t.deps.database, t.deps.logger, 'once_probe')];
    try {
      for (const w of workers) await w.register([{ ...probe, localConcurrency: 2, batchSize: 5 }], true);
      await workers[0].sendMany(probe, Array.from({ length: 60 }, (_, n) => ({ n })));
      await waitUntil(() => runs.size === 60, 20_000);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(runs.size, 60);
      assert.deepEqual([...new Set(runs.values())], [1]);
    } finally {
      for (const w of workers) await w.close();
    }
  });

  it('should retry a failing job with backoff until it succeeds', async () => {
    const attempts: number[] = [];
    const flaky = defineJob({
      name: 'test.flaky-probe',
      version: 1,
      retryLimit: 3,
      retryDelay: 1,
      handle: async () => {
        attempts.push(Date.now());
        if (attempts.length < 3) throw new Error('transient');
      },
    });
    const jobs = await Jobs.open(t.deps.database, t.deps.logger, 'flaky_probe');
    try {
      await jobs.register([flaky], true);
      await jobs.send(flaky, {});
      await waitUntil(() => attempts.length >= 3, 20_000);
      assert.equal(attempts.length, 3);
      assert.ok(attempts[2] - attempts[1] >= attempts[1] - attempts[0] - 200, 'the second retry waits at least as long as the first');
    } finally {
      await jobs.close();
    }
  });

  it('should drop a second queued job with the same singleton key', async () => {
    const probe = defineJob({ name: 'test.singleton-probe', version: 1, policy: 'short', handle: async () => {} });
    const jobs = await Jobs.open(t.deps.database, t.deps.logger, 'singleton_probe');
    try {
      await jobs.register([probe], false);
      const a = await jobs.send(probe, {}, { singletonKey: 'k', startAfter: 60 });
      const b = await jobs.send(probe, {}, { singletonKey: 'k', startAfter: 60 });
      assert.ok(a);
      assert.equal(b, null);
    } finally {
      await jobs.close();
    }
  });
});

async function waitUntil(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
