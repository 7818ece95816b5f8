/**
 * Bot throughput, end to end: updates pushed into the Bot API emulator, fetched by long polling,
 * handled, and the resulting Bot API call received back by the emulator. Three runs in one
 * process: grammY with an empty handler (the ceiling), tgbase's bot on plain group messages
 * (registration, user table, flood counting, no call out), and tgbase's bot on `/mute` (role and
 * admin check, restrictChatMember, state + audit in one transaction, reply). Then the same two
 * runs with the bot as a process of its own (TGBASE_API_URL mode): every service call goes over
 * HTTP through the typed client to tgbase listening on a local port.
 *
 * Usage: npm run bench:bot [-- plain=3000 mute=300]
 */
import { performance } from 'node:perf_hooks';
import { Bot } from 'grammy';
import { run } from '@grammyjs/runner';
import type { AddressInfo } from 'node:net';
import { createBot } from '../src/bot/bot.ts';
import { remoteBotDeps } from '../src/bot/remote.ts';
import { TgbaseClient } from '../packages/client/src/client.ts';
import { BOOTSTRAP_KEY } from '../test/app.ts';
import { buildTestApp } from '../test/app.ts';
import { startTelegramEmulator, type Call, type TelegramEmulator } from '../test/telegram-emulator.ts';

const args = Object.fromEntries(process.argv.slice(2).map((a) => a.split('=')));
const PLAIN = Number(args.plain ?? 3000);
const MUTES = Number(args.mute ?? 300);
const TOKEN = '8000001:BENCH-bot-token_abcdefghij';
const BASELINE_TOKEN = '8000002:BENCH-base-token_abcdefghij';
const GROUP = -1008000000001;
const OWNER = { id: 1, is_bot: false, first_name: 'Owner' };
const SENDERS = 500;

const emu = await startTelegramEmulator();
emu.addChat({ id: GROUP, type: 'supergroup', title: 'Bench', members: [{ user: OWNER, status: 'creator' }] });
const botInfo = (id: number) => ({ id, is_bot: true as const, first_name: 'Bench', username: `bench_${id}_bot`, can_join_groups: true, can_read_all_group_messages: true, supports_inline_queries: false, can_connect_to_business: false, has_main_web_app: false, has_topics_enabled: false, allows_users_to_create_topics: false, can_manage_bots: false, supports_join_request_queries: false });

/** Pushes `count` updates, then a /help whose answer marks that every earlier one (same chat, in order) was handled. */
async function measure(emulator: TelegramEmulator, token: string, count: number, push: (i: number) => void): Promise<number> {
  const since = emulator.calls.length;
  const started = performance.now();
  for (let i = 0; i < count; i++) push(i);
  emulator.message(token, { from: OWNER, chat: GROUP, text: '/help' });
  const isHelp = (c: Call) => c.botId === Number(token.split(':')[0]) && /^(help|Moderation commands)/.test(String(c.params.text));
  await emulator.waitForCall('sendMessage', isHelp, { since, timeoutMs: 600_000 });
  return (count + 1) / ((performance.now() - started) / 1000);
}

const plainMessage = (token: string) => (i: number) => emu.message(token, { from: { id: 10_000 + (i % SENDERS), first_name: `U${i % SENDERS}`, username: `u${i % SENDERS}` }, chat: GROUP, text: `hello ${i}` });

// grammY alone, empty handler.
const baseline = new Bot(BASELINE_TOKEN, { client: { apiRoot: emu.apiRoot }, botInfo: botInfo(8000002) });
baseline.command('help', (ctx) => ctx.reply('help'));
baseline.on('message', () => undefined);
const baselineRunner = run(baseline);
await measure(emu, BASELINE_TOKEN, 200, plainMessage(BASELINE_TOKEN));
const grammyRate = await measure(emu, BASELINE_TOKEN, PLAIN, plainMessage(BASELINE_TOKEN));
await baselineRunner.stop();

// tgbase's bot over the real services (PGlite, or PostgreSQL + Redis with TEST_DATABASE_URL / TEST_REDIS_URL).
const t = await buildTestApp({ TELEGRAM_API_ROOT: emu.apiRoot, BOT_THROTTLE: 'false' });
await t.deps.services.bots.register({ token: TOKEN, title: 'Bench' });
const bot = createBot(TOKEN, t.deps, { botInfo: botInfo(8000001) });
const runner = run(bot);
await measure(emu, TOKEN, 200, plainMessage(TOKEN));
await t.deps.services.groups.updateSettings(GROUP, { moderation: { flood_messages: 100, flood_window_seconds: 1 } });
const plainRate = await measure(emu, TOKEN, PLAIN, plainMessage(TOKEN));
const muteRate = await measure(emu, TOKEN, MUTES, (i) => emu.message(TOKEN, { from: OWNER, chat: GROUP, text: `/mute ${20_000 + i} 10m bench` }));
const restricted = emu.callsTo('restrictChatMember').filter((c) => c.params.until_date).length;
await runner.stop();

// The same bot in remote mode: tgbase on a local port, the bot reaching it through the client.
await t.app.listen({ host: '127.0.0.1', port: 0 });
const client = new TgbaseClient({ baseUrl: `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`, apiKey: BOOTSTRAP_KEY });
const remoteDeps = remoteBotDeps(t.deps.config, t.deps.logger, client);
const remoteBot = createBot(TOKEN, remoteDeps, { botInfo: botInfo(8000001) });
const remoteRunner = run(remoteBot);
await measure(emu, TOKEN, 200, plainMessage(TOKEN));
const remotePlainRate = await measure(emu, TOKEN, PLAIN, plainMessage(TOKEN));
const remoteMuteRate = await measure(emu, TOKEN, MUTES, (i) => emu.message(TOKEN, { from: OWNER, chat: GROUP, text: `/mute ${40_000 + i} 10m bench` }));
await remoteRunner.stop();
await remoteDeps.cache.close();
await remoteDeps.shared.close();
await t.close();
await emu.close();

console.log(`database: ${process.env.TEST_DATABASE_URL ? 'postgresql' : 'pglite'}; one group (updates of a chat run in order)`);
console.log(`grammY, empty handler:          ${grammyRate.toFixed(0)} updates/s (${PLAIN} messages)`);
console.log(`tgbase bot, plain group message: ${plainRate.toFixed(0)} updates/s (${PLAIN} messages)`);
console.log(`tgbase bot, /mute:               ${muteRate.toFixed(0)} updates/s (${MUTES} mutes, ${restricted} restrictChatMember calls)`);
console.log(`remote bot, plain group message: ${remotePlainRate.toFixed(0)} updates/s (${PLAIN} messages, over HTTP to tgbase)`);
console.log(`remote bot, /mute:               ${remoteMuteRate.toFixed(0)} updates/s (${MUTES} mutes)`);
