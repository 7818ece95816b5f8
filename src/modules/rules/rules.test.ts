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

  it('should refuse patterns that could hang matching with 422 in the envelope, at create and at update', async () => {
    const unsafe = ['(a+)+$', '^(a|a)*$', '(\\d|\\w)*!', '\\s*\\s*\\s*x', '.*.*=.*', '(x+x+)+y'];
    for (const pattern of unsafe) {
      const started = Date.now();
      const res = await call('POST', `/api/v2/groups/${GROUP}/rules`, { name: 'bad', trigger: { type: 'keyword', pattern }, penalty: { action: 'ban' } });
      assert.equal(res.statusCode, 422, `${pattern}: ${res.body}`);
      assert.deepEqual({ success: res.json().success, code: res.json().code }, { success: false, code: 'UNSAFE_PATTERN' });
      assert.ok(Date.now() - started < 15_000, `${pattern} took ${Date.now() - started} ms to refuse`);
    }
    const fine = (await call('POST', `/api/v2/groups/${GROUP}/rules`, { name: 'links', trigger: { type: 'keyword', pattern: '(?:t\\.me|telegram\\.me)/\\S+' }, penalty: { action: 'delete' } })).json().data;
    assert.equal(fine.exempt_admins, true);
    const update = await call('PUT', `/api/v2/groups/${GROUP}/rules/${fine.id}`, { trigger: { type: 'keyword', pattern: '(a|aa)+$' } });
    assert.equal(update.statusCode, 422, update.body);
    assert.equal((await call('GET', `/api/v2/groups/${GROUP}/rules/${fine.id}`)).json().data.trigger.pattern, '(?:t\\.me|telegram\\.me)/\\S+');
    const literal = await call('POST', `/api/v2/groups/${GROUP}/rules`, { name: 'lit', trigger: { type: 'keyword', pattern: '(((a+)+)+)$ pump.fun', match: 'literal' }, penalty: { action: 'ban' } });
    assert.equal(literal.statusCode, 201, 'a literal is escaped, so any text is safe');
    const tooLong = await call('POST', `/api/v2/groups/${GROUP}/rules`, { name: 'long', trigger: { type: 'keyword', pattern: 'a'.repeat(501) }, penalty: { action: 'ban' } });
    assert.equal(tooLong.statusCode, 400);
    for (const id of [fine.id, literal.json().data.id]) await call('DELETE', `/api/v2/groups/${GROUP}/rules/${id}`);
  });

  it('should refuse the delete penalty for rules that have no message', async () => {
    const res = await call('POST', `/api/v2/groups/${GROUP}/rules`, { name: 'x', trigger: { type: 'warn_count', threshold: 3 }, penalty: { action: 'delete' } });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 'INVALID_RULE');
  });

  it('should check a message sent by a remote bot and apply the first matching rule', async () => {
    const rule = (await call('POST', `/api/v2/groups/${GROUP}/rules`, { name: 'pump', trigger: { type: 'keyword', pattern: 'pump.fun', match: 'literal' }, penalty: { action: 'mute', duration: 120 }, priority: 3 })).json().data;
    const miss = await call('POST', `/api/v2/groups/${GROUP}/rules/check`, { user_id: 501, message_id: 10, text: 'hello', from_admin: false });
    assert.equal(miss.json().data.fired, null);
    const exempt = await call('POST', `/api/v2/groups/${GROUP}/rules/check`, { user_id: 502, message_id: 11, text: 'pump.fun', from_admin: true });
    assert.equal(exempt.json().data.fired, null);
    const hit = (await call('POST', `/api/v2/groups/${GROUP}/rules/check`, { user_id: 501, message_id: 12, text: 'go to PUMP.FUN', from_admin: false })).json().data.fired;
    assert.deepEqual({ rule_id: hit.rule_id, action: hit.action, duration: hit.duration }, { rule_id: rule.id, action: 'mute', duration: 120 });
    assert.equal((await call('GET', `/api/v2/groups/${GROUP}/users/501/status`)).json().data.is_muted, true);
    const bad = await call('POST', `/api/v2/groups/${GROUP}/rules/check`, { user_id: 501, message_id: 0, text: 'x' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().success, false);
    await call('DELETE', `/api/v2/groups/${GROUP}/rules/${rule.id}`);
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
