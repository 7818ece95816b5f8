import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp, type TestApp } from '../../../test/app.ts';
import { createKey, registerBot } from '../../../test/ops.ts';

describe('plugins API', () => {
  let t: TestApp;
  let botA: number;
  let botB: number;
  const call = (method: 'GET' | 'POST', url: string, payload?: object, headers: Record<string, string> = t.auth) =>
    t.app.inject({ method, url, headers, ...(payload && { payload }) });

  before(async () => {
    t = await buildTestApp();
    botA = await registerBot(t, '810001:AAplugins-bot-a-token-0123456789');
  });
  after(async () => t.close());

  it('should list the plugins of the only bot without naming it, all on by default', async () => {
    const res = await call('GET', '/api/plugins');
    assert.equal(res.statusCode, 200);
    const data = res.json().data;
    assert.equal(data.bot_id, botA);
    assert.equal(data.total, data.plugins.length);
    assert.ok(data.plugins.some((p: { name: string; enabled: boolean }) => p.name === 'welcome' && p.enabled));
  });

  it('should toggle a plugin for one bot only and report it through isEnabled', async () => {
    botB = await registerBot(t, '810002:AAplugins-bot-b-token-0123456789');
    assert.equal((await call('GET', '/api/plugins')).json().code, 'BOT_REQUIRED');
    const off = await call('POST', '/api/plugins/welcome/toggle', { bot_id: botA });
    assert.equal(off.statusCode, 200);
    assert.equal(off.json().data.enabled, false);
    assert.equal(await t.deps.services.plugins.isEnabled(botA, 'welcome'), false);
    assert.equal(await t.deps.services.plugins.isEnabled(botB, 'welcome'), true);
    const listed = (await call('GET', `/api/plugins?bot_id=${botA}`)).json().data.plugins.find((p: { name: string }) => p.name === 'welcome');
    assert.equal(listed.enabled, false);
    assert.ok(listed.updated_at);
    const explicit = await call('POST', '/api/plugins/welcome/toggle', { bot_id: botA, enabled: true });
    assert.equal(explicit.json().data.enabled, true);
    assert.equal(await t.deps.services.plugins.isEnabled(botA, 'welcome'), true);
  });

  it('should answer 404 for an unknown plugin and 400 for a malformed name', async () => {
    const unknown = await call('POST', '/api/plugins/teleport/toggle', { bot_id: botA });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, 'PLUGIN_NOT_FOUND');
    assert.equal((await call('POST', '/api/plugins/Bad-Name/toggle', { bot_id: botA })).statusCode, 400);
  });

  it("should keep a bot key to its own bot and a read key from toggling", async () => {
    const keyA = await createKey(t, { scope: 'bot', bot_id: botA });
    assert.equal((await call('GET', '/api/plugins', undefined, keyA)).json().data.bot_id, botA);
    const other = await call('POST', '/api/plugins/rules/toggle', { bot_id: botB }, keyA);
    assert.equal(other.statusCode, 403);
    assert.equal(await t.deps.services.plugins.isEnabled(botB, 'rules'), true);
    const own = await call('POST', '/api/plugins/rules/toggle', {}, keyA);
    assert.equal(own.json().data.enabled, false);
    const bodiless = await call('POST', '/api/plugins/rules/toggle', undefined, keyA);
    assert.equal(bodiless.statusCode, 200, bodiless.body);
    assert.equal(bodiless.json().data.enabled, true);
    const reader = await createKey(t, { scope: 'bot', bot_id: botA, access: 'read' });
    assert.equal((await call('POST', '/api/plugins/rules/toggle', {}, reader)).statusCode, 403);
    const groupKey = await createKey(t, { scope: 'groups', group_ids: [-1001] });
    assert.equal((await call('GET', '/api/plugins', undefined, groupKey)).statusCode, 403);
  });
});
