import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp, type TestApp } from '../../../test/app.ts';

const GROUP = -1002000000001;

describe('action log API', () => {
  let t: TestApp;
  const call = (method: string, url: string, payload?: unknown, headers?: Record<string, string>) => t.call(method, url, payload, headers);

  before(async () => {
    t = await buildTestApp();
    await call('POST', '/api/v2/groups', { group_id: GROUP, name: 'Audit' });
  });
  after(async () => t.close());

  it('should log 1000 actions in one bulk request', async () => {
    const actions = Array.from({ length: 1000 }, (_, i) => ({ user_id: 1000 + (i % 10), admin_id: 1, action: i % 2 ? 'warn' : 'note', reason: `r${i}` }));
    const res = await call('POST', `/api/v2/groups/${GROUP}/actions/bulk`, { actions });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.json().data.inserted, 1000);
    const list = (await call('GET', `/api/v2/groups/${GROUP}/actions?limit=1`)).json().data;
    assert.equal(list.total, 1001, 'plus the group_created entry');
  });

  it('should reject a bulk batch with a bad row, naming its index, and write none of it', async () => {
    const actions = Array.from({ length: 10 }, (_, i) => ({ user_id: 2000 + i, action: 'note' }));
    (actions[7] as Record<string, unknown>).user_id = 'seven';
    const res = await call('POST', `/api/v2/groups/${GROUP}/actions/bulk`, { actions });
    assert.equal(res.statusCode, 400);
    assert.match(res.json().error, /actions\/7\/user_id/);
    assert.equal((await call('GET', `/api/v2/groups/${GROUP}/actions?user_id=2000`)).json().data.total, 0);
    const tooMany = await call('POST', `/api/v2/groups/${GROUP}/actions/bulk`, { actions: Array.from({ length: 1001 }, () => ({ action: 'note' })) });
    assert.equal(tooMany.statusCode, 400);
  });

  it('should filter and paginate the log, newest first', async () => {
    const res = (await call('GET', `/api/v2/groups/${GROUP}/actions?user_id=1003&action=warn&page=2&limit=20`)).json().data;
    assert.equal(res.total, 100);
    assert.equal(res.items.length, 20);
    assert.equal(res.page, 2);
    assert.ok(res.items.every((a: { user_id: number; action: string }) => a.user_id === 1003 && a.action === 'warn'));
    const times = res.items.map((a: { created_at: string }) => a.created_at);
    assert.deepEqual([...times].sort().reverse(), times);
    const badRange = await call('GET', `/api/v2/groups/${GROUP}/actions?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z`);
    assert.equal(badRange.statusCode, 400);
    assert.equal((await call('GET', `/api/v2/groups/${GROUP}/actions?since=yesterday`)).statusCode, 400);
  });

  it('should give per-user statistics', async () => {
    const stats = (await call('GET', `/api/v2/groups/${GROUP}/users/1003/stats`)).json().data;
    assert.equal(stats.total_actions, 100);
    assert.deepEqual(stats.actions_by_type, { warn: 100 });
    assert.ok(stats.first_action_at && stats.last_action_at);
    const admin = (await call('GET', `/api/v2/groups/${GROUP}/users/1/stats`)).json().data;
    assert.equal(admin.actions_as_admin, 1000);
  });

  it('should remove entries older than the retention window in the scheduled cleanup', async () => {
    const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
    await call('POST', `/api/v2/groups/${GROUP}/actions`, { user_id: 3000, action: 'note', timestamp: old });
    await call('POST', `/api/v2/groups/${GROUP}/actions`, { user_id: 3000, action: 'note' });
    assert.equal((await call('GET', `/api/v2/groups/${GROUP}/actions?user_id=3000`)).json().data.total, 2);
    const removed = await t.deps.services.audit.removeOlderThan(t.deps.config.ACTION_LOG_RETENTION_DAYS);
    assert.equal(removed, 1);
    const left = (await call('GET', `/api/v2/groups/${GROUP}/actions?user_id=3000`)).json().data;
    assert.equal(left.total, 1);
  });

  it('should audit every write with who, what, target and result', async () => {
    await call('PUT', `/api/v2/groups/${GROUP}/settings`, { welcome_message: 'hi', admin_id: 42 });
    const entry = (await call('GET', `/api/v2/groups/${GROUP}/actions?action=settings_updated`)).json().data.items[0];
    assert.equal(entry.admin_id, 42);
    assert.equal(entry.result, 'success');
    assert.deepEqual(entry.meta.changes, { welcome_message: 'hi' });
  });
});
