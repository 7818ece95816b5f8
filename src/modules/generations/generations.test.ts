import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp, type TestApp } from '../../../test/app.ts';
import { startFakeProvider, type FakeProvider } from '../../../test/fake-provider.ts';
import { startTelegramEmulator, type TelegramEmulator } from '../../../test/telegram-emulator.ts';
import { loginWidgetData, miniAppInitData } from '../../../test/telegram-auth.ts';
import { jobDefinitions } from '../../jobs.ts';

const BOT = { id: 7100001, token: '7100001:GGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGG' };
const OTHER_BOT = { id: 7100002, token: '7100002:HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH' };
const ADMIN = 601;
let nextUser = 8_000_000_001;

describe('generations', () => {
  let t: TestApp;
  let fake: FakeProvider;
  let emu: TelegramEmulator;
  let adminAuth: { authorization: string };

  const asUser = (telegramId: number, token = BOT.token) => ({ 'x-telegram-init-data': miniAppInitData(token, { id: telegramId }) });
  const inject = (method: string, url: string, headers: Record<string, string>, payload?: unknown) =>
    t.app.inject({ method: method as 'GET', url, headers, ...(payload !== undefined && { payload: payload as object }) });

  /** A synced user with `credits` on their balance. */
  async function newUser(credits: number, language = 'en'): Promise<{ telegramId: number; userId: number }> {
    const telegramId = nextUser++;
    const res = await inject('POST', '/api/v1/users/sync', asUser(telegramId), { telegram_id: telegramId, language_code: language });
    assert.equal(res.statusCode, 200, res.body);
    const userId = res.json().user.id as number;
    if (credits > 0) await t.deps.services.ledger.credit(userId, credits, 'deposit', `test-deposit:${telegramId}`);
    return { telegramId, userId };
  }

  const balanceOf = async (telegramId: number) => (await inject('GET', `/api/v1/users/${telegramId}/balance`, asUser(telegramId))).json().balance as number;

  async function waitForStatus(id: string, telegramId: number, statuses: string[], timeoutMs = 15_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await inject('GET', `/api/v1/generations/${id}?telegram_id=${telegramId}`, asUser(telegramId));
      const body = res.json();
      if (statuses.includes(body.status) && (body.status === 'pending' || body.status === 'processing' || (await notified(id)))) return body;
      if (Date.now() > deadline) assert.fail(`generation ${id} stayed ${body.status}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const notified = async (id: string) => (await t.deps.services.generations.repo.find(id))?.notifiedAt != null;

  before(async () => {
    fake = await startFakeProvider();
    emu = await startTelegramEmulator();
    t = await buildTestApp({
      TELEGRAM_API_ROOT: emu.apiRoot,
      WAVESPEED_API_KEY: fake.apiKey,
      WAVESPEED_BASE_URL: fake.url,
      PROVIDER_TIMEOUT_SECONDS: '2',
      PROVIDER_BALANCE_TTL_SECONDS: '1',
      GENERATION_POLL_INITIAL_SECONDS: '0.2',
      GENERATION_POLL_MAX_SECONDS: '0.5',
      GENERATION_DEADLINE_SECONDS: '4',
    });
    await t.deps.jobs.register(jobDefinitions(t.deps), true);
    for (const bot of [BOT, OTHER_BOT]) {
      const res = await t.call('POST', '/api/v2/bots', { token: bot.token, username: `gen${bot.id}`, admin_ids: [ADMIN] });
      assert.equal(res.statusCode, 201, res.body);
    }
    const login = await inject('POST', '/api/v1/admin/auth/login', {}, { ...loginWidgetData(BOT.token, { id: ADMIN, first_name: 'Admin' }), bot_id: BOT.id });
    assert.equal(login.statusCode, 200, login.body);
    adminAuth = { authorization: `Bearer ${login.json().access_token}`, 'x-bot-id': String(BOT.id) } as { authorization: string };
  });
  after(async () => {
    await t.close();
    await emu.close();
    await fake.close();
  });
  beforeEach(() => {
    fake.defaultBehavior = { kind: 'success' };
    fake.balance = 100;
  });

  it('should list seed 004 models with their prices and the size variants', async () => {
    const res = await inject('GET', `/api/v1/models?bot_id=${BOT.id}`, {});
    assert.equal(res.statusCode, 200, res.body);
    const prices = Object.fromEntries(res.json().models.map((m: { model_id: string; price: number }) => [m.model_id, m.price]));
    assert.deepEqual(prices, { 'seedream-v4': 27, 'nano-banana': 38, 'nano-banana-pro': 140, 'gpt-image-1.5': 51, qwen: 20 });
    const pro = res.json().models.find((m: { model_id: string }) => m.model_id === 'nano-banana-pro');
    assert.deepEqual(pro.options.resolutions, ['1k', '2k', '4k']);
    assert.equal(pro.provider_model, undefined, 'provider paths are for admins only');
    const sizes = await inject('GET', '/api/v1/sizes', {});
    assert.ok(sizes.json().sizes.some((s: { id: string }) => s.id === '1024*1536'));
    assert.equal((await inject('GET', '/api/v1/models', {})).statusCode, 400);
  });

  it('should take the bot of the model list from Mini App initData or its login JWT when bot_id is absent', async () => {
    const fromInitData = await inject('GET', '/api/v1/models', asUser(nextUser++, OTHER_BOT.token));
    assert.equal(fromInitData.statusCode, 200, fromInitData.body);
    assert.ok(fromInitData.json().models.some((m: { model_id: string }) => m.model_id === 'nano-banana-pro'));
    const login = await inject('POST', '/api/auth/telegram', {}, { init_data: miniAppInitData(BOT.token, { id: nextUser++ }) });
    assert.equal(login.statusCode, 200, login.body);
    const fromJwt = await inject('GET', '/api/v1/models', { authorization: `Bearer ${login.json().token}` });
    assert.equal(fromJwt.statusCode, 200, fromJwt.body);
    assert.deepEqual(fromJwt.json().models, (await inject('GET', `/api/v1/models?bot_id=${BOT.id}`, {})).json().models);
    // Forged initData is refused rather than treated as an anonymous caller.
    assert.equal((await inject('GET', '/api/v1/models', { ...asUser(nextUser++, 'bad:token') })).statusCode, 401);
  });

  it('should price nano-banana-pro by resolution and gpt-image-1.5 by mode, size and quality', async () => {
    const { telegramId } = await newUser(0);
    const price = async (body: object) => {
      const res = await inject('POST', '/api/v1/generations/price', asUser(telegramId), { telegram_id: telegramId, ...body });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().price as number;
    };
    assert.equal(await price({ model_id: 'nano-banana-pro', resolution: '2k' }), 140);
    assert.equal(await price({ model_id: 'nano-banana-pro', resolution: '4k' }), 240);
    assert.equal(await price({ model_id: 'gpt-image-1.5', quality: 'low', size: '1024*1024' }), 9);
    assert.equal(await price({ model_id: 'gpt-image-1.5', quality: 'high', size: '1536*1024' }), 200);
    assert.equal(await price({ model_id: 'gpt-image-1.5', quality: 'low', size: '1024*1536', image_urls: ['https://x.test/a.png'] }), 34);
    assert.equal(await price({ model_id: 'gpt-image-1.5', quality: 'low', size: '1536*1024', image_urls: ['https://x.test/a.png'] }), 13);
    assert.equal(await price({ model_id: 'qwen' }), 20);
    const bad = await inject('POST', '/api/v1/generations/price', asUser(telegramId), { telegram_id: telegramId, model_id: 'nano-banana-pro', resolution: '16k' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'INVALID_OPTION');
  });

  it('should limit price requests to 60 a minute per Mini App user', async () => {
    const a = await newUser(0);
    const b = await newUser(0);
    const headers = asUser(a.telegramId);
    for (let i = 0; i < 60; i++) {
      const res = await inject('POST', '/api/v1/generations/price', headers, { telegram_id: a.telegramId, model_id: 'qwen' });
      assert.equal(res.statusCode, 200, `request ${i + 1}: ${res.body}`);
    }
    const limited = await inject('POST', '/api/v1/generations/price', headers, { telegram_id: a.telegramId, model_id: 'qwen' });
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().code, 'RATE_LIMITED');
    const other = await inject('POST', '/api/v1/generations/price', asUser(b.telegramId), { telegram_id: b.telegramId, model_id: 'qwen' });
    assert.equal(other.statusCode, 200);
  });

  it('should debit on submit, follow the provider to completion and push the photo with a localized caption', async () => {
    const { telegramId } = await newUser(100, 'ru');
    fake.script({ kind: 'success', afterMs: 300 });
    const since = emu.calls.length;
    const res = await inject('POST', '/api/v1/generations/submit', asUser(telegramId), {
      telegram_id: telegramId,
      model_id: 'seedream-v4',
      prompt: 'a red fox in snow',
      size: '1024*1536',
      chat_id: telegramId,
      message_id: 77,
      prompt_message_id: 76,
      use_trial: false,
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.cost, 27);
    assert.equal(body.balance, 73);
    assert.equal(body.trial_used, false);
    assert.equal(await balanceOf(telegramId), 73);

    const done = await waitForStatus(body.generation_id, telegramId, ['completed']);
    assert.equal(done.results.length, 1);
    const photo = await emu.waitForCall('sendPhoto', (c) => Number(c.params.chat_id) === telegramId, { since });
    assert.equal(photo.params.photo, done.results[0]);
    assert.match(String(photo.params.caption), /Готово/);
    assert.equal((photo.params.reply_parameters as { message_id: number }).message_id, 76);
    const task = [...fake.tasks.values()].find((x) => x.input.prompt === 'a red fox in snow')!;
    assert.equal(task.model, 'bytedance/seedream-v4');
    assert.equal(task.input.size, '1024*1536');

    const results = await inject('GET', `/api/v1/generations/${body.generation_id}/results?telegram_id=${telegramId}`, asUser(telegramId));
    assert.deepEqual(results.json().results, done.results);
    assert.equal(emu.callsTo('sendPhoto').filter((c) => Number(c.params.chat_id) === telegramId).length, 1, 'pushed once');
  });

  it('should refund exactly once when the provider fails the task, and tell the user', async () => {
    const { telegramId, userId } = await newUser(50, 'uz');
    fake.script({ kind: 'failure', error: 'NSFW content' });
    const since = emu.calls.length;
    const res = await inject('POST', '/api/v1/generations/submit', asUser(telegramId), { telegram_id: telegramId, model_id: 'nano-banana', prompt: 'x', use_trial: false });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().balance, 12);
    const failed = await waitForStatus(res.json().generation_id, telegramId, ['failed']);
    assert.equal(failed.refunded, true);
    assert.match(failed.error, /NSFW/);
    assert.equal(await balanceOf(telegramId), 50);
    const notice = await emu.waitForCall('sendMessage', (c) => Number(c.params.chat_id) === telegramId, { since });
    assert.match(String(notice.params.text), /amalga oshmadi.*38 kredit/s);
    const refunds = (await t.deps.services.ledger.history(userId)).filter((e) => e.type === 'refund');
    assert.equal(refunds.length, 1);
    assert.equal(refunds[0].amount, 38);

    const again = await inject('POST', `/api/v1/admin/generations/${failed.id}/refund`, adminAuth, {});
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().code, 'ALREADY_REFUNDED');
    assert.equal(await balanceOf(telegramId), 50);
  });

  it('should keep polling through 5xx flapping and complete', async () => {
    const { telegramId } = await newUser(40);
    fake.script({ kind: 'flapping', afterMs: 200 });
    const res = await inject('POST', '/api/v1/generations/submit', asUser(telegramId), { telegram_id: telegramId, model_id: 'qwen', prompt: 'flap', use_trial: false });
    assert.equal(res.statusCode, 200, res.body);
    const done = await waitForStatus(res.json().generation_id, telegramId, ['completed']);
    assert.equal(done.status, 'completed');
    assert.equal(await balanceOf(telegramId), 20);
  });

  it('should give up on a slow task at the deadline, refund it and tell the user', async () => {
    const { telegramId } = await newUser(40, 'en');
    fake.script({ kind: 'slow' });
    const since = emu.calls.length;
    const res = await inject('POST', '/api/v1/generations/submit', asUser(telegramId), { telegram_id: telegramId, model_id: 'qwen', prompt: 'slow', use_trial: false, message_id: 5 });
    const failed = await waitForStatus(res.json().generation_id, telegramId, ['failed'], 20_000);
    assert.match(failed.error, /Timed out/);
    assert.equal(await balanceOf(telegramId), 40);
    const edit = await emu.waitForCall('editMessageText', (c) => Number(c.params.chat_id) === telegramId, { since }).catch(() => undefined);
    const sent = emu.callsTo('sendMessage').filter((c) => c.index >= since && Number(c.params.chat_id) === telegramId);
    assert.ok(edit || sent.length === 1, 'the user is told once');
  });

  it('should answer 503 and pause submissions while the provider balance is too low', async () => {
    const { telegramId } = await newUser(100);
    fake.balance = 0.5;
    await new Promise((r) => setTimeout(r, 1100));
    const res = await inject('POST', '/api/v1/generations/submit', asUser(telegramId), { telegram_id: telegramId, model_id: 'qwen', prompt: 'p', use_trial: false });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().code, 'PROVIDER_BALANCE_LOW');
    assert.equal(await balanceOf(telegramId), 100, 'nothing was debited');
    fake.balance = 100;
    await new Promise((r) => setTimeout(r, 1100));
    const resumed = await inject('POST', '/api/v1/generations/submit', asUser(telegramId), { telegram_id: telegramId, model_id: 'qwen', prompt: 'p', use_trial: false });
    assert.equal(resumed.statusCode, 200, resumed.body);
    await waitForStatus(resumed.json().generation_id, telegramId, ['completed']);
  });

  it('should refund and pause when the provider refuses a task for lack of balance', async () => {
    const { telegramId } = await newUser(30);
    fake.failSubmits(402, 'Insufficient balance');
    const res = await inject('POST', '/api/v1/generations/submit', asUser(telegramId), { telegram_id: telegramId, model_id: 'qwen', prompt: 'p', use_trial: false });
    assert.equal(res.statusCode, 200, res.body);
    const failed = await waitForStatus(res.json().generation_id, telegramId, ['failed']);
    assert.equal(failed.refunded, true);
    assert.equal(await balanceOf(telegramId), 30);
    const paused = await inject('POST', '/api/v1/generations/submit', asUser(telegramId), { telegram_id: telegramId, model_id: 'qwen', prompt: 'p', use_trial: false });
    assert.equal(paused.statusCode, 503);
    await new Promise((r) => setTimeout(r, 1100));
  });

  it('should refuse with 402 when credits are short and create nothing', async () => {
    const { telegramId } = await newUser(10);
    const res = await inject('POST', '/api/v1/generations/submit', asUser(telegramId), { telegram_id: telegramId, model_id: 'nano-banana', prompt: 'p' });
    assert.equal(res.statusCode, 402);
    assert.equal(res.json().code, 'INSUFFICIENT_CREDITS');
    const active = await inject('GET', `/api/v1/generations/active?telegram_id=${telegramId}`, asUser(telegramId));
    assert.deepEqual(active.json(), { active: false, generation: null });
  });

  it('should use the free trial on an eligible model once, then charge', async () => {
    const { telegramId } = await newUser(30);
    fake.script({ kind: 'success', afterMs: 200 });
    const first = await inject('POST', '/api/v1/generations/submit', asUser(telegramId), { telegram_id: telegramId, model_id: 'qwen', prompt: 'free' });
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.json().trial_used, true);
    assert.equal(first.json().cost, 0);
    const active = await inject('GET', `/api/v1/generations/active?telegram_id=${telegramId}`, asUser(telegramId));
    assert.equal(active.json().generation.id, first.json().generation_id);
    const busy = await inject('POST', '/api/v1/generations/submit', asUser(telegramId), { telegram_id: telegramId, model_id: 'qwen', prompt: 'again' });
    assert.equal(busy.statusCode, 409);
    assert.equal(busy.json().code, 'GENERATION_IN_PROGRESS');
    await waitForStatus(first.json().generation_id, telegramId, ['completed']);
    const second = await inject('POST', '/api/v1/generations/submit', asUser(telegramId), { telegram_id: telegramId, model_id: 'qwen', prompt: 'paid' });
    assert.equal(second.json().trial_used, false);
    assert.equal(second.json().cost, 20);
    await waitForStatus(second.json().generation_id, telegramId, ['completed']);
  });

  it('should give the trial back, once, when a trial generation fails, so the next one is free again', async () => {
    const { telegramId } = await newUser(0);
    fake.script({ kind: 'failure', error: 'Provider crashed' });
    const since = emu.calls.length;
    const first = await inject('POST', '/api/v1/generations/submit', asUser(telegramId), { telegram_id: telegramId, model_id: 'qwen', prompt: 'free' });
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.json().trial_used, true);
    const trial = () => inject('GET', `/api/v1/users/${telegramId}/trial`, asUser(telegramId)).then((r) => r.json());
    assert.equal((await trial()).trial_available, false);
    const failed = await waitForStatus(first.json().generation_id, telegramId, ['failed']);
    assert.equal(failed.refunded, true);
    assert.equal((await trial()).trial_available, true);
    const notice = await emu.waitForCall('sendMessage', (c) => Number(c.params.chat_id) === telegramId, { since });
    assert.match(String(notice.params.text), /free trial is available again/);
    // The hourly sweep and an admin refund find nothing more to give back.
    await t.deps.services.generations.cleanupExpired();
    const admin = await inject('POST', `/api/v1/admin/generations/${failed.id}/refund`, adminAuth, {});
    assert.equal(admin.statusCode, 409);
    assert.equal(await balanceOf(telegramId), 0);

    fake.script({ kind: 'success', afterMs: 100 });
    const second = await inject('POST', '/api/v1/generations/submit', asUser(telegramId), { telegram_id: telegramId, model_id: 'qwen', prompt: 'free again' });
    assert.equal(second.statusCode, 200, second.body);
    assert.equal(second.json().trial_used, true);
    await waitForStatus(second.json().generation_id, telegramId, ['completed']);
    assert.equal((await trial()).trial_available, false);
    const third = await inject('POST', '/api/v1/generations/submit', asUser(telegramId), { telegram_id: telegramId, model_id: 'qwen', prompt: 'paid' });
    assert.equal(third.statusCode, 402, 'the trial is used up and there are no credits');
  });

  it("should answer 403 for another user's generation and 401 without credentials", async () => {
    const owner = await newUser(40);
    const stranger = await newUser(0);
    const res = await inject('POST', '/api/v1/generations/submit', asUser(owner.telegramId), { telegram_id: owner.telegramId, model_id: 'qwen', prompt: 'mine', use_trial: false });
    const id = res.json().generation_id;
    await waitForStatus(id, owner.telegramId, ['completed']);
    assert.equal((await inject('GET', `/api/v1/generations/${id}?telegram_id=${owner.telegramId}`, asUser(stranger.telegramId))).statusCode, 403);
    assert.equal((await inject('GET', `/api/v1/generations/${id}?telegram_id=${stranger.telegramId}`, asUser(stranger.telegramId))).statusCode, 403);
    assert.equal((await inject('GET', `/api/v1/generations/${id}/results?telegram_id=${owner.telegramId}`, {})).statusCode, 401);
    const spoof = await inject('POST', '/api/v1/generations/submit', asUser(stranger.telegramId), { telegram_id: owner.telegramId, model_id: 'qwen', prompt: 'x' });
    assert.equal(spoof.statusCode, 403);
  });

  it('should run an image tool as a generation of its own kind at its own price', async () => {
    const { telegramId } = await newUser(100);
    const res = await inject('POST', '/api/v1/tools/upscale', asUser(telegramId), { telegram_id: telegramId, image_url: 'https://x.test/in.png', target_resolution: '4k' });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().cost, 60);
    assert.equal(res.json().generation.kind, 'tool');
    const done = await waitForStatus(res.json().generation_id, telegramId, ['completed']);
    assert.equal(done.model_id, 'upscale');
    const task = [...fake.tasks.values()].find((x) => x.input.image === 'https://x.test/in.png')!;
    assert.equal(task.model, 'wavespeed-ai/image-upscaler');
    assert.equal(task.input.target_resolution, '4k');
    for (const [tool, price] of [['watermark-remove', 12], ['denoise', 20], ['restore', 20], ['enhance', 30]] as const) {
      const quote = await t.deps.services.generations.quote(BOT.id, { model_id: tool, image_url: 'https://x.test/a.png' }, 'tool');
      assert.equal(quote.credits, price, tool);
    }
  });

  it('should upload media to the provider and return its URL', async () => {
    const { telegramId } = await newUser(0);
    const boundary = '----tgbase';
    const payload = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cat.png"\r\nContent-Type: image/png\r\n\r\nPNGDATA\r\n--${boundary}--\r\n`;
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/media/upload', headers: { ...asUser(telegramId), 'content-type': `multipart/form-data; boundary=${boundary}` }, payload });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(res.json().url, /^https:\/\/cdn\.fake-provider\.test\/uploads\/.+\/cat\.png$/);
    assert.equal(res.json().size, 7);
    assert.ok(fake.uploads.some((u) => u.filename === 'cat.png'));
  });

  it('should let an admin manage models and prices, list generations by status, see the queue and refund once', async () => {
    const models = await inject('GET', '/api/v1/admin/models', adminAuth);
    assert.equal(models.statusCode, 200, models.body);
    assert.ok(models.json().models.find((m: { model_id: string }) => m.model_id === 'seedream-v4').generation_count >= 1);

    const off = await inject('PATCH', '/api/v1/admin/models/nano-banana', adminAuth, { is_active: false, name: 'Banana' });
    assert.equal(off.statusCode, 200, off.body);
    assert.equal(off.json().is_active, false);
    const listed = (await inject('GET', `/api/v1/models?bot_id=${BOT.id}`, {})).json().models.map((m: { model_id: string }) => m.model_id);
    assert.equal(listed.includes('nano-banana'), false);
    const { telegramId } = await newUser(500);
    const refused = await inject('POST', '/api/v1/generations/submit', asUser(telegramId), { telegram_id: telegramId, model_id: 'nano-banana', prompt: 'p' });
    assert.equal(refused.statusCode, 404);
    await inject('PATCH', '/api/v1/admin/models/nano-banana', adminAuth, { is_active: true });

    const priced = await inject('PUT', '/api/v1/admin/models/nano-banana-pro/price', adminAuth, { price: 260, variant: '4k' });
    assert.equal(priced.statusCode, 200, priced.body);
    assert.equal(priced.json().prices['4k'], 260);
    const quote = await inject('POST', '/api/v1/generations/price', asUser(telegramId), { telegram_id: telegramId, model_id: 'nano-banana-pro', resolution: '4k' });
    assert.equal(quote.json().price, 260);
    assert.equal((await inject('PUT', '/api/v1/admin/models/nano-banana-pro/price', adminAuth, { price: 1, variant: '9k' })).statusCode, 400);
    // Another bot's catalog is its own.
    const otherBot = await inject('GET', `/api/v1/models?bot_id=${OTHER_BOT.id}`, {});
    assert.equal(otherBot.json().models.find((m: { model_id: string }) => m.model_id === 'nano-banana-pro').prices['4k'], 240);

    fake.script({ kind: 'slow' });
    const slow = await inject('POST', '/api/v1/generations/submit', asUser(telegramId), { telegram_id: telegramId, model_id: 'nano-banana-pro', resolution: '4k', prompt: 'slow one' });
    assert.equal(slow.statusCode, 200, slow.body);
    const queue = await inject('GET', '/api/v1/admin/generations/queue', adminAuth);
    assert.equal(queue.statusCode, 200, queue.body);
    assert.ok(queue.json().active >= 1);
    const refund = await inject('POST', `/api/v1/admin/generations/${slow.json().generation_id}/refund`, adminAuth, { reason: 'support' });
    assert.equal(refund.statusCode, 200, refund.body);
    assert.equal(refund.json().amount, 260);
    assert.equal(refund.json().balance, 500);
    const twice = await inject('POST', `/api/v1/admin/generations/${slow.json().generation_id}/refund`, adminAuth, {});
    assert.equal(twice.statusCode, 409);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await balanceOf(telegramId), 500, 'the poll job does not refund again');

    const failed = await inject('GET', '/api/v1/admin/generations?status=failed&limit=100', adminAuth);
    assert.equal(failed.statusCode, 200, failed.body);
    assert.ok(failed.json().items.length >= 1);
    assert.ok(failed.json().items.every((g: { status: string }) => g.status === 'failed'));
    const otherAdmin = await inject('GET', `/api/v1/admin/generations?bot_id=${BOT.id}`, asUser(telegramId));
    assert.equal(otherAdmin.statusCode, 403);
  });

  it('should fail and refund overdue generations in the hourly cleanup', async () => {
    const { telegramId } = await newUser(20);
    fake.script({ kind: 'slow' });
    const res = await inject('POST', '/api/v1/generations/submit', asUser(telegramId), { telegram_id: telegramId, model_id: 'qwen', prompt: 'lost', use_trial: false });
    const id = res.json().generation_id;
    // Simulate a lost poll job: the deadline passed long ago.
    const { generations } = await import('./generations.tables.ts');
    const { eq } = await import('drizzle-orm');
    await t.deps.database.db.update(generations).set({ deadlineAt: new Date(Date.now() - 3_600_000) }).where(eq(generations.id, id));
    const result = await t.deps.services.generations.cleanupExpired();
    assert.ok(result.expired >= 1);
    const failed = await waitForStatus(id, telegramId, ['failed']);
    assert.equal(failed.refunded, true);
    assert.equal(await balanceOf(telegramId), 20);
  });
});
