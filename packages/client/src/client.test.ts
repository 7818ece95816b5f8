import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BOOTSTRAP_KEY, buildTestApp, type TestApp } from '../../../test/app.ts';
import { TgbaseApiError, TgbaseClient, TgbaseUnavailableError } from './client.ts';

const GROUP = -1009876543210;

describe('typed tgbase client', () => {
  let t: TestApp;
  let client: TgbaseClient;
  let baseUrl: string;

  before(async () => {
    t = await buildTestApp();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    client = new TgbaseClient({ baseUrl, apiKey: BOOTSTRAP_KEY });
  });
  after(async () => t.close());

  it('should speak seed 001: health, execute, status, settings, action state, log', async () => {
    assert.equal(await client.healthCheck(), true);
    await client.createGroup({ group_id: GROUP, name: 'Client group' });
    const muted = await client.executeAction('mute', { group_id: GROUP, user_id: 42, admin_id: 7, duration: 600, reason: 'spam' });
    assert.equal(muted.action_type, 'mute');
    assert.equal(muted.duration, 600);
    const status = await client.getUserStatus(42, GROUP);
    assert.equal(status.is_muted, true);
    assert.deepEqual(status.active_actions, ['mute']);
    const settings = await client.getGroupSettings(GROUP);
    assert.equal(settings.group_name, 'Client group');
    assert.equal(settings.features_enabled.lockdown_enabled, false);
    const after = await client.updateUserActionState(42, GROUP, 'mute', 'inactive');
    assert.equal(after.is_muted, false);
    assert.equal(await client.logAction({ group_id: GROUP, user_id: 42, admin_id: 7, action: 'note', details: 'Toggle action via admin panel' }), true);
    const log = await client.listActions(GROUP, { action: 'note' });
    assert.equal(log.items[0].reason, 'Toggle action via admin panel');
  });

  it('should cover roles and rules and reuse connections', async () => {
    await client.createRole(GROUP, { name: 'moderator', permissions: ['can_mute'], priority: 10 });
    const standing = await client.assignRole(GROUP, 55, 'moderator');
    assert.equal(standing.role, 'moderator');
    const rule = await client.createRule(GROUP, { name: 'three strikes', trigger: { type: 'warn_count', threshold: 3 }, penalty: { action: 'ban' } });
    assert.equal((await client.getRule(GROUP, rule.id)).name, 'three strikes');
    const sockets = new Set<unknown>();
    t.app.server.on('request', (req: http.IncomingMessage) => sockets.add(req.socket));
    for (let i = 0; i < 20; i++) await client.listRoles(GROUP);
    // Keep-alive: 20 sequential calls share the pool's connection(s) instead of opening 20.
    assert.ok(sockets.size <= 2, `${sockets.size} connections for 20 calls`);
  });

  it('should raise clear errors: the server code on 4xx, unavailable on a timeout', async () => {
    const wrongKey = new TgbaseClient({ baseUrl, apiKey: 'not-a-real-key-000000' });
    await assert.rejects(wrongKey.getGroup(GROUP), (err: unknown) => err instanceof TgbaseApiError && err.status === 401);
    await assert.rejects(client.getGroup(-1), (err: unknown) => err instanceof TgbaseApiError && err.status === 404 && err.code === 'GROUP_NOT_FOUND');
    assert.equal(await wrongKey.logAction({ group_id: GROUP, action: 'x' }), false);

    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const slow = new TgbaseClient({ baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, apiKey: 'k', timeoutMs: 200 });
    const started = Date.now();
    await assert.rejects(slow.getGroup(GROUP), (err: unknown) => err instanceof TgbaseUnavailableError && /within 200 ms/.test(err.message));
    assert.ok(Date.now() - started < 2000);
    assert.equal(await slow.healthCheck(), false);
    silent.closeAllConnections();
    silent.close();
  });
});
