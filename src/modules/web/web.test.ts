import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildTestApp, type TestApp } from '../../../test/app.ts';
import { miniAppInitData } from '../../../test/telegram-auth.ts';
import { jwtSigningKey } from '../../deps.ts';
import { signAdminLink } from '../admin-link/admin-link.service.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts');
const JWT_SECRET = 'web-test-jwt-secret-0123456789abcdef';
const BOT = { id: 7300001, token: '7300001:WEBWEBWEBWEBWEBWEBWEBWEBWEBWEBWEBWE', username: 'tgbase_web_test_bot' };
const ADMIN = 730_000_001;
const STRANGER = 730_000_002;
const MINI_APP_USER = 9_300_000_001;

describe('web front ends and admin login links', () => {
  let t: TestApp;

  before(async () => {
    // The tests serve the real build; it is rebuilt only when web/ changed since the last one.
    await run(process.execPath, [join(ROOT, 'scripts/build-web.mjs'), '--if-stale'], { cwd: ROOT });
    t = await buildTestApp({ JWT_SECRET });
    const res = await t.call('POST', '/api/v2/bots', { token: BOT.token, username: BOT.username, admin_ids: [ADMIN] });
    assert.equal(res.statusCode, 201, res.body);
  });
  after(async () => t.close());

  const linkFor = (telegramId: number | null) => signAdminLink(jwtSigningKey(t.deps.config), telegramId, 600);
  const redeem = (token: string) => t.call('POST', '/api/v1/admin/auth/link', { token }, {});

  it('should serve the admin panel and the Mini App with cacheable assets', async () => {
    for (const prefix of ['/admin/', '/app/']) {
      const page = await t.call('GET', prefix, undefined, {});
      assert.equal(page.statusCode, 200);
      assert.match(page.headers['content-type'] as string, /text\/html/);
      assert.equal(page.headers['cache-control'], 'no-cache');
      const script = /src="([^"]+\.js)"/.exec(page.body)?.[1];
      assert.ok(script?.startsWith(`${prefix}assets/`), `script path ${script}`);
      const asset = await t.call('GET', script!, undefined, {});
      assert.equal(asset.statusCode, 200);
      assert.match(asset.headers['cache-control'] as string, /immutable/);
    }
    const bare = await t.call('GET', '/admin', undefined, {});
    assert.equal(bare.statusCode, 302);
    assert.equal(bare.headers.location, '/admin/');
  });

  it('should answer a page that says how to build when the front ends are not built', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'tgbase-nodist-'));
    const bare = await buildTestApp({ WEB_DIST_DIR: empty });
    try {
      for (const url of ['/admin/', '/app/', '/admin/assets/missing.js']) {
        const res = await bare.call('GET', url, undefined, {});
        assert.equal(res.statusCode, 404);
        assert.match(res.body, /npm run build:web/);
      }
    } finally {
      await bare.close();
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('should print a one-time operator link with npm run admin-link that works exactly once', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/admin-link.ts')], {
      cwd: ROOT,
      env: { ...process.env, JWT_SECRET, DATA_DIR: 'memory://', PUBLIC_URL: 'https://panel.example' },
    });
    const match = /^https:\/\/panel\.example\/admin\/#\/link\/(\S+)$/m.exec(stdout);
    assert.ok(match, stdout);
    const first = await redeem(match[1]);
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.json().operator, true);
    const session = { authorization: `Bearer ${first.json().access_token}` };
    // An operator session counts as the bootstrap key: global routes and the money routes alike.
    assert.equal((await t.call('GET', '/api/v2/keys', undefined, session)).statusCode, 200);
    assert.equal((await t.call('GET', `/api/v1/referrals/${MINI_APP_USER}?bot_id=${BOT.id}`, undefined, session)).statusCode, 404);
    const again = await redeem(match[1]);
    assert.equal(again.statusCode, 401);
    assert.match(again.json().error, /already used/);
  });

  it('should give a bot admin the same JWT as the Login Widget and refuse a link for a non-admin', async () => {
    const answer = await redeem(await linkFor(ADMIN));
    assert.equal(answer.statusCode, 200, answer.body);
    assert.deepEqual(answer.json().admin, { telegram_id: ADMIN, bot_ids: [BOT.id] });
    const me = await t.call('GET', '/api/v1/admin/auth/me', undefined, { authorization: `Bearer ${answer.json().access_token}` });
    assert.equal(me.statusCode, 200, me.body);
    assert.equal(me.json().telegram_id, ADMIN);
    // An admin JWT is not an operator session: it is accepted, but global routes stay closed.
    assert.equal((await t.call('GET', '/api/v2/keys', undefined, { authorization: `Bearer ${answer.json().access_token}` })).statusCode, 403);
    const stranger = await redeem(await linkFor(STRANGER));
    assert.equal(stranger.statusCode, 403);
  });

  it('should refuse forged and expired links', async () => {
    const forged = await signAdminLink(new TextEncoder().encode('another-secret-another-secret-000'), null, 600);
    assert.equal((await redeem(forged)).statusCode, 401);
    const expired = await signAdminLink(jwtSigningKey(t.deps.config), null, -10);
    assert.equal((await redeem(expired)).statusCode, 401);
    const options = await t.call('GET', '/api/v1/admin/auth/options', undefined, {});
    assert.deepEqual(options.json(), { login_widget_bot: BOT.username });
  });

  it('should document every operation in /openapi.json with a one-line summary and a tag', async () => {
    const spec = (await t.call('GET', '/openapi.json', undefined, {})).json();
    const undocumented = Object.entries<Record<string, { summary?: string; tags?: string[] }>>(spec.paths)
      .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ op: `${method} ${path}`, ...op })))
      .filter((op) => !op.summary?.trim() || op.summary.includes('\n') || !op.tags?.length)
      .map((op) => op.op);
    assert.deepEqual(undocumented, []);
  });

  describe('in a browser', { skip: existsSync(CHROMIUM) ? false : `skipped: ${CHROMIUM} is missing (apt-get install chromium)` }, () => {
    let context: BrowserContext;
    let page: Page;
    let base: string;
    let profile: string;

    before(async () => {
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
      await mkdir(ARTIFACTS, { recursive: true });
      profile = await mkdtemp(join(tmpdir(), 'tgbase-chromium-'));
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
        viewport: { width: 1280, height: 860 },
      });
      // Telegram's scripts are not reachable from tests; the pages must cope without them.
      await context.route('https://telegram.org/**', (route) => route.abort());
      page = context.pages()[0] ?? (await context.newPage());
    });
    after(async () => {
      await context?.close();
      if (profile) await rm(profile, { recursive: true, force: true });
    });
    const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

    it('should sign in with a one-time link and land on the dashboard', async () => {
      await page.goto(`${base}/admin/`);
      await page.getByRole('heading', { name: 'tgbase admin' }).waitFor();
      await page.getByPlaceholder('API key').waitFor();
      await shot('admin-login');
      await page.goto(`${base}/admin/#/link/${await linkFor(null)}`);
      await page.getByTestId('dashboard').waitFor();
      assert.equal(await page.evaluate(() => location.hash), '#/dashboard');
      assert.ok(await page.evaluate(() => localStorage.getItem('tgbase.admin.token')));
    });

    it('should render the dashboard with the bot switcher, date range and charts', async () => {
      await page.goto(`${base}/admin/#/dashboard`);
      await page.getByTestId('dashboard').waitFor();
      assert.equal(await page.getByLabel('Bot').inputValue(), String(BOT.id));
      assert.match(await page.getByLabel('Bot').textContent() ?? '', new RegExp(`@${BOT.username}`));
      await page.getByRole('button', { name: '7 days' }).click();
      await page.locator('figure.chart, section.card').first().waitFor();
      assert.ok((await page.locator('figure.chart, section.card').count()) >= 2);
      await shot('admin-dashboard');
      await page.setViewportSize({ width: 390, height: 844 });
      await shot('admin-dashboard-phone');
      await page.setViewportSize({ width: 1280, height: 860 });
    });

    it('should start a broadcast and show its progress', { skip: false }, async (test) => {
      if (!t.app.hasRoute({ method: 'POST', url: '/api/v1/admin/broadcasts' })) {
        test.skip('skipped: the broadcasts API (jobs branch) is not in this build');
        return;
      }
      // One recipient, so the audience count is not zero (the page will not send to nobody).
      await t.deps.services.users.sync(BOT.id, { telegram_id: 7300999, first_name: 'Reader' });
      await page.goto(`${base}/admin/#/broadcasts`);
      await page.getByLabel('Message').fill('<b>Hello</b> from the browser test');
      assert.match(await page.getByTestId('preview').innerHTML(), /<b>Hello<\/b>/);
      await page.getByTestId('recipient-count').waitFor();
      await page.getByRole('button', { name: 'Send now' }).click();
      await page.getByTestId('broadcast-status').waitFor();
      await shot('admin-broadcast');
    });

    it('should stream live logs over the WebSocket, filtered by group', async () => {
      await page.goto(`${base}/admin/#/logs`);
      await page.getByTestId('stream-state').filter({ hasText: 'open' }).waitFor();
      t.deps.logger.warn({ group_id: -100730 }, 'browser-test marker one');
      await page.getByTestId('log-lines').getByText('browser-test marker one').waitFor();
      await page.getByLabel('Group id').fill('-100731');
      await page.getByTestId('stream-state').filter({ hasText: 'open' }).waitFor();
      t.deps.logger.warn({ group_id: -100730 }, 'browser-test marker other group');
      t.deps.logger.warn({ group_id: -100731 }, 'browser-test marker two');
      await page.getByTestId('log-lines').getByText('browser-test marker two').waitFor();
      assert.equal(await page.getByTestId('log-lines').getByText('browser-test marker other group').count(), 0);
      await page.getByTestId('live-status').waitFor();
      await shot('admin-live-logs');
    });

    it('should list the module switches with descriptions and switch one off and on again from the Modules page', async () => {
      const { plugins } = t.deps.services;
      await page.goto(`${base}/admin/#/plugins`);
      await page.getByText('Welcome messages for new members').waitFor();
      assert.equal(await page.locator('label.toggle').count(), (await plugins.list(BOT.id)).length);
      const welcome = page.getByRole('checkbox', { name: 'welcome' });
      assert.equal(await welcome.isChecked(), true);
      await page.locator('label.toggle', { hasText: 'welcome' }).click();
      await page.getByText(/changed /).first().waitFor();
      assert.equal(await welcome.isChecked(), false);
      assert.equal(await plugins.isEnabled(BOT.id, 'welcome'), false);
      await shot('admin-modules');
      await page.locator('label.toggle', { hasText: 'welcome' }).click();
      await page.waitForFunction(() => (document.querySelector('input[type=checkbox]:not(:disabled)') as HTMLInputElement | null) !== null);
      await welcome.and(page.locator(':checked')).waitFor();
      assert.equal(await plugins.isEnabled(BOT.id, 'welcome'), true);
    });

    it("should offer exactly the server's webhook event names and create an endpoint subscribed to all of them", async () => {
      const spec = (await t.call('GET', '/openapi.json', undefined, {})).json();
      const body = spec.paths['/api/webhooks/endpoints'].post.requestBody.content['application/json'].schema;
      const accepted = (body.properties.events.items.enum as string[]).slice().sort();
      await page.goto(`${base}/admin/#/webhooks`);
      const form = page.locator('form', { has: page.getByPlaceholder('https://example.com/hooks/tgbase') });
      await form.waitFor();
      const offered = form.getByRole('checkbox');
      const labels = (await offered.evaluateAll((boxes) => boxes.map((b) => b.parentElement?.textContent?.trim() ?? ''))).sort();
      assert.deepEqual(labels, accepted);
      for (const box of await offered.all()) await box.check();
      await form.getByLabel('URL').fill('https://example.com/hooks/all-events');
      await form.getByRole('button', { name: 'Add' }).click();
      await page.getByText('Signing secret').waitFor();
      const endpoints = await t.call('GET', `/api/webhooks/endpoints?bot_id=${BOT.id}`, undefined);
      const created = endpoints.json().data.find((e: { url: string }) => e.url === 'https://example.com/hooks/all-events');
      assert.deepEqual(created?.events.slice().sort(), accepted, endpoints.body);
    });

    it('should list every tag group in Swagger UI at /docs and reach every operation from its group', async () => {
      const spec = (await t.call('GET', '/openapi.json', undefined, {})).json();
      const documented = Object.entries<object>(spec.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));
      const groups = new Set(Object.values<Record<string, { tags: string[] }>>(spec.paths).flatMap((ops) => Object.values(ops).flatMap((op) => op.tags)));
      await page.goto(`${base}/docs`);
      const tags = page.locator('.opblock-tag');
      await tags.nth(groups.size - 1).waitFor();
      assert.equal(await tags.count(), groups.size);
      await shot('docs');
      // One group open at a time, as a reader browses: each opened group must show its operations.
      const reached = new Set<string>();
      for (let i = 0; i < groups.size; i++) {
        await tags.nth(i).click();
        const blocks = page.locator('.opblock');
        await blocks.first().waitFor();
        for (const op of await blocks.evaluateAll((els) => els.map((b) => `${b.querySelector('.opblock-summary-method')?.textContent} ${b.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`))) reached.add(op);
        await tags.nth(i).click();
        await blocks.first().waitFor({ state: 'detached' });
      }
      assert.deepEqual([...reached].sort(), documented.sort());
    });

    it('should open the Mini App with Telegram launch data and show balance and referral link', async () => {
      const initData = miniAppInitData(BOT.token, { id: MINI_APP_USER, first_name: 'Mia' });
      await page.goto(`${base}/app/#tgWebAppData=${encodeURIComponent(initData)}&tgWebAppVersion=8.0`);
      await page.getByTestId('balance').filter({ hasText: 'credits' }).waitFor({ timeout: 15_000 });
      assert.match(await page.getByTestId('balance').textContent() ?? '', /^0 credits$/);
      await page.getByRole('button', { name: 'Invite' }).click();
      await page.getByTestId('referral-link').waitFor();
      assert.match(await page.getByTestId('referral-link').textContent() ?? '', new RegExp(`t\\.me/${BOT.username}\\?start=|^[a-z0-9]{8}$`));
      await page.setViewportSize({ width: 390, height: 760 });
      await shot('mini-app');
    });
  });
});
