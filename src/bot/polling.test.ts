import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { BOT_ID, BOT_TOKEN, startTestBot, type TestBot } from '../../test/bot.ts';
import { BOOTSTRAP_KEY } from '../../test/app.ts';
import { startMain } from '../../test/process.ts';
import { startTelegramEmulator } from '../../test/telegram-emulator.ts';
import { POLL_TIMEOUT_SECONDS } from './runner.ts';

const OWNER = { id: 4242, first_name: 'Owner' };

describe('long polling at the default timeouts', () => {
  let b: TestBot;

  before(async () => {
    b = await startTestBot();
  });
  after(async () => {
    await b?.close();
  });

  it('should hold each poll for the poll timeout and answer an update within 2 s after a long quiet spell', async () => {
    const since = b.emu.calls.length;
    // Longer than the request timeout (10 s) and the poll timeout: idle polls must not be cut off and backed off.
    await new Promise((r) => setTimeout(r, (POLL_TIMEOUT_SECONDS + 15) * 1000));
    const polls = b.emu.calls.filter((c) => c.index >= since && c.method === 'getUpdates').map((c) => c.at);
    const gaps = polls.slice(1).map((at, i) => at - polls[i]);
    console.log(`poll gaps while idle: ${gaps.join(', ')} ms`);
    for (const gap of gaps) assert.ok(gap <= (POLL_TIMEOUT_SECONDS + 5) * 1000, `a gap of ${gap} ms between polls`);
    // Each idle poll lasted its full timeout: no more polls than the quiet spell fits.
    assert.ok(polls.length <= 2, `${polls.length} polls in ${POLL_TIMEOUT_SECONDS + 15} s`);

    const pushed = Date.now();
    b.emu.message(BOT_TOKEN, { from: OWNER, text: '/help' });
    const reply = await b.waitFor('sendMessage', (c) => c.params.chat_id === OWNER.id, { since, timeoutMs: 10_000 });
    console.log(`update after ${POLL_TIMEOUT_SECONDS + 15} s idle answered in ${reply.at - pushed} ms`);
    assert.ok(reply.at - pushed < 2000, `answered after ${reply.at - pushed} ms`);
  });

  it('should abort the held poll at once when the bot stops', async () => {
    await new Promise((r) => setTimeout(r, 500));
    const started = Date.now();
    await b.runner.stop();
    assert.ok(Date.now() - started < 1000, `stop took ${Date.now() - started} ms`);
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe('shutdown of the whole process', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`should exit within 3 s of ${signal} while polling and a request waits on an unreachable Telegram`, async () => {
      const emu = await startTelegramEmulator();
      const port = await freePort();
      const main = await startMain(
        { TELEGRAM_API_ROOT: emu.apiRoot, API_V2_KEY: BOOTSTRAP_KEY, DATA_DIR: 'memory://', PORT: String(port), HOST: '127.0.0.1', BOT_REFRESH_SECONDS: '1', BOT_THROTTLE: 'false' },
        /Server listening/,
        // Starting (migrations on a fresh PGlite) is slow on a busy machine; only the shutdown is timed.
        180_000,
      );
      try {
        const api = (path: string, body: unknown) =>
          fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { authorization: `Bearer ${BOOTSTRAP_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        assert.equal((await api('/api/v2/bots', { token: BOT_TOKEN, title: 'Bot' })).status, 201);
        assert.equal((await api('/api/v2/groups', { group_id: -1001000000099, name: 'G', bot_id: BOT_ID })).status, 201);
        await emu.waitForCall('getUpdates', undefined, { timeoutMs: 60_000 });
        emu.startOutage('hang');
        const pending = api('/api/v2/groups/-1001000000099/enforcement/ban', { user_id: 77 }).catch((err: unknown) => err);
        await emu.waitForCall('banChatMember', undefined, { timeoutMs: 10_000 });
        const { code, ms } = await main.stop(signal);
        console.log(`shutdown on ${signal}: exit ${code} after ${ms} ms`);
        assert.equal(code, 0, main.output().slice(-2000));
        assert.ok(ms < 3000, `shutdown took ${ms} ms`);
        await pending;
      } finally {
        await main.stop('SIGKILL');
        await emu.close();
      }
    });
  }
});
