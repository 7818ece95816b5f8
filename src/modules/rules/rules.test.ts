import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp, type TestApp } from '../../../test/app.ts';

const GROUP = -1003000000001;

describe('rules API', () => {
  let t: TestApp;
  const call = (method: string, url: string, payload?: unknown, headers?: Record<string, string>) => t.call(method, url, payload, headers);

  before(async () => {
    t = await buildTestApp();
    await call('POST', '/api/v2/groups', { group_id: GROUP, name: 'Rules' });
  });
  after(async () => t.close());

  it('should create, list by priority, update, disable, enable and delete rules with history', async () => {
    const low = (await call('POST', `/api/v2/groups/${GROUP}/rules`, { name: 'links', trigger: { type: 'keyword', pattern: 'https?://' }, penalty: { action: 'warn' }, priority: 1 })).json().data;
    const high = (await call('POST', `/api/v2/groups/${GROUP}/rules`, { name: 'flood', trigger: { type: 'flood', threshold: 5, window_seconds: 5 }, penalty: { action: 'mute', duration: 600 }, priority: 9 })).json().data;
    const list = (await call('GET', `/api/v2/groups/${GROUP}/rules`)).json().data;
    assert.deepEqual(list.map((r: { name: string }) => r.name), ['flood', 'links']);
    const updated = await call('PUT', `/api/v2/groups/${GROUP}/rules/${low.id}`, { penalty: { action: 'mute', duration: 60 } });
    assert.equal(updated.json().data.penalty.action, 'mute');
    assert.equal((await call('POST', `/api/v2/groups/${GROUP}/rules/${low.id}/disable`)).json().data.enabled, false);
    assert.equal((await call('GET', `/api/v2/groups/${GROUP}/rules/${low.id}`)).json().data.enabled, false);
    assert.equal((await call('POST', `/api/v2/groups/${GROUP}/rules/${low.id}/enable`)).json().data.enabled, true);
    assert.equal((await call('DELETE', `/api/v2/groups/${GROUP}/rules/${low.id}`)).statusCode, 200);
    assert.equal((await call('GET', `/api/v2/groups/${GROUP}/rules/${low.id}`)).statusCode, 404);
    const history = (await call('GET', `/api/v2/groups/${GROUP}/rules/${low.id}/history`)).json().data;
    assert.deepEqual(history.map((h: { change: string }) => h.change), ['created', 'updated', 'disabled', 'enabled', 'deleted']);
    assert.equal(history[1].snapshot.penalty.duration, 60);
    assert.equal((await call('GET', `/api/v2/groups/${GROUP}/rules/${high.id}`)).json().data.trigger.threshold, 5);
  });

  it('should reject incomplete or invalid rules', async () => {
    const cases = [
      { name: 'x', trigger: { type: 'warn_count' }, penalty: { action: 'mute' } },
      { name: 'x', trigger: { type: 'keyword', pattern: '(' }, penalty: { action: 'mute' } },
      { name: 'x', trigger: { type: 'nonsense', threshold: 1 }, penalty: { action: 'mute' } },
      { name: 'x', trigger: { type: 'warn_count', threshold: 3 }, penalty: { action: 'mute', duration: -1 } },
    ];
    for (const body of cases) {
      const res = await call('POST', `/api/v2/groups/${GROUP}/rules`, body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(res.json().success, false);
    }
    assert.equal((await call('GET', `/api/v2/groups/${GROUP}/rules/999999/history`)).statusCode, 404);
  });

  it('should fall back to the warn_limit setting when a group has no warn rule', async () => {
    await call('PUT', `/api/v2/groups/${GROUP}/settings`, { moderation: { warn_limit: 2, warn_action: 'ban', warn_action_duration: null } });
    await call('POST', `/api/v2/groups/${GROUP}/enforcement/warn`, { user_id: 77 });
    const second = (await call('POST', `/api/v2/groups/${GROUP}/enforcement/warn`, { user_id: 77 })).json().data;
    assert.equal(second.rule_fired.name, 'warn_limit');
    const status = (await call('GET', `/api/v2/groups/${GROUP}/users/77/status`)).json().data;
    assert.equal(status.is_banned, true);
    assert.equal(status.has_warnings, 0);
  });
});
