import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { buildTestApp, type TestApp } from '../../test/app.ts';
import { registerBot } from '../../test/ops.ts';
import { startTelegramEmulator, type TelegramEmulator } from '../../test/telegram-emulator.ts';

// The malformed requests of issue #11 (item 2), each of which answered 500 or a body outside
// the envelope. test/openapi-fuzz.test.ts sends many more; these pin the reported ones down.
describe('malformed input is a 4xx in the error envelope', () => {
  let t: TestApp;
  let emu: TelegramEmulator;
  let botId: number;

  before(async () => {
    emu = await startTelegramEmulator();
    t = await buildTestApp({ TELEGRAM_API_ROOT: emu.apiRoot });
    botId = await registerBot(t, '7910001:AAinput-guard-0123456789abcdefghijk');
    await t.call('POST', '/api/v2/groups', { group_id: -100123, name: 'Guarded', bot_id: botId });
  });
  after(async () => {
    await t.close();
    await emu.close();
  });

  const assertRejected = (res: LightMyRequestResponse, status: number, code?: string) => {
    assert.equal(res.statusCode, status, res.body);
    const body = res.json();
    assert.equal(body.success, false);
    assert.equal(typeof body.error, 'string');
    assert.equal(typeof body.message, 'string');
    assert.equal(typeof body.code, 'string');
    if (code) assert.equal(body.code, code);
  };

  it('should refuse a NUL character in a body, a query, a path or a JSON key', async () => {
    assertRejected(await t.call('POST', '/api/v2/groups', { group_id: -100124, name: 'a\u0000b' }), 400, 'NUL_CHARACTER');
    assertRejected(await t.call('GET', `/api/v1/admin/users?bot_id=${botId}&query=%00`), 400, 'NUL_CHARACTER');
    assertRejected(await t.call('GET', '/api/v2/groups/-100123/roles/a%00b'), 400);
    assertRejected(await t.call('PUT', '/api/v2/groups/-100123', { meta: { 'k\u0000': 1 } }), 400, 'NUL_CHARACTER');
    assertRejected(await t.call('PUT', '/api/v2/groups/-100123', { meta: { nested: [{ deep: 'x\u0000' }] } }), 400, 'NUL_CHARACTER');
    assert.equal((await t.call('GET', '/api/v2/groups/-100123')).json().data.name, 'Guarded');
  });

  it('should refuse non-finite numbers in integer paths, queries and bodies', async () => {
    for (const url of ['/api/v2/groups/Infinity', '/api/v2/groups/-Infinity', '/api/v2/groups/1e400', '/api/v2/groups?page=1e400', '/api/v2/groups?limit=Infinity']) {
      assertRejected(await t.call('GET', url), 400);
    }
    const res = await t.app.inject({ method: 'POST', url: '/api/v2/groups', headers: { ...t.auth, 'content-type': 'application/json' }, payload: '{"group_id":1e400,"name":"x"}' });
    assertRejected(res, 400);
  });

  it('should refuse integers beyond what their column holds', async () => {
    for (const [method, url] of [
      ['DELETE', '/api/v2/keys/9223372036854775808'],
      ['GET', '/api/webhooks/custom/9223372036854775808'],
      ['DELETE', '/api/webhooks/endpoints/1234567890123456789012345678901234567890'],
      ['GET', '/api/v2/groups?page=9223372036854775808'],
      ['GET', `/api/v2/groups/-100123/actions?page=${'9'.repeat(40)}`],
      ['GET', '/api/v2/groups/9223372036854775807'],
    ]) {
      assertRejected(await t.call(method, url), 400);
    }
    // A Telegram message id lives in an int4 column.
    assertRejected(await t.call('POST', '/api/v2/groups/-100123/captcha', { user_id: 5, message_id: 2 ** 31, timeout_seconds: 60 }), 400, 'VALIDATION_FAILED');
  });

  it('should answer a malformed multipart upload with 400', async () => {
    const part = '\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\n';
    const bodies: [string, string][] = [
      ['multipart/form-data', `--abc${part}--abc--\r\n`],
      ['multipart/form-data; boundary=abc', `--xyz${part}--xyz--\r\n`],
      ['multipart/form-data; boundary=abc', `--abc${part}truncated`],
    ];
    for (const url of ['/api/upload', `/api/v1/media/upload?bot_id=${botId}`]) {
      for (const [contentType, payload] of bodies) {
        const res = await t.app.inject({ method: 'POST', url, headers: { ...t.auth, 'content-type': contentType }, payload });
        assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${url} ${contentType}: ${res.statusCode} ${res.body}`);
        assertRejected(res, res.statusCode);
      }
    }
  });

  it('should answer a path parameter over 100 characters, or a URL that is not valid percent-encoding, in the envelope', async () => {
    assertRejected(await t.call('GET', `/api/v2/groups/-100123/roles/${'x'.repeat(101)}`), 414, 'FST_ERR_MAX_PARAM_LENGTH');
    assertRejected(await t.call('GET', '/api/v2/groups/-100123/roles/%FF'), 400, 'FST_ERR_BAD_URL');
  });

  it('should still accept valid input at the edges', async () => {
    assert.equal((await t.call('GET', '/api/v2/groups?page=2&limit=100')).statusCode, 200);
    assert.equal((await t.call('GET', `/api/v2/groups/${-Number.MAX_SAFE_INTEGER}`)).statusCode, 404);
    const created = await t.call('POST', '/api/v2/groups', { group_id: -100125, name: 'Émoji 💬 \u202e mixed', meta: { note: 'tab\there' } });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().data.name, 'Émoji 💬 \u202e mixed');
  });
});
