import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp, type TestApp } from '../../test/app.ts';
import { jobDefinitions } from '../jobs.ts';

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
