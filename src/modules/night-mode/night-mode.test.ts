import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildTestApp, type TestApp } from '../../../test/app.ts';
import { nightWindowAt } from './night-mode.service.ts';

const GROUP = -1007770001;
const hhmm = (d: Date) => d.toISOString().slice(11, 16);

describe('night mode schedule', () => {
  let t: TestApp;
  before(async () => {
    t = await buildTestApp();
  });
  after(async () => t.close());

  it('should place a moment in a window that crosses midnight, in the group time zone', () => {
    const at = new Date('2026-01-17T21:30:00Z'); // 00:30 in Moscow (UTC+3)
    const window = nightWindowAt({ start: '23:00', end: '07:00' }, 'Europe/Moscow', at)!;
    assert.equal(window.start.toISOString(), '2026-01-17T20:00:00.000Z');
    assert.equal(window.secondsLeft, 6.5 * 3600);
    assert.equal(nightWindowAt({ start: '23:00', end: '07:00' }, 'Europe/Moscow', new Date('2026-01-17T12:00:00Z')), null);
  });

  it('should start night mode once per night until the window ends, and respect an admin who ends it early', async () => {
    const { groups, nightMode, enforcement } = t.deps.services;
    await groups.create({ group_id: GROUP, name: 'Night owls' });
    const now = new Date();
    const start = new Date(now.getTime() - 5 * 60_000);
    const end = new Date(now.getTime() + 60 * 60_000);
    await groups.updateSettings(GROUP, { night_mode_schedule: { start: hhmm(start), end: hhmm(end) } });

    assert.equal(await nightMode.tick(now), 1);
    const settings = await groups.getSettings(GROUP);
    assert.equal(settings.features_enabled.night_mode, true);
    assert.ok(Math.abs(Date.parse(settings.night_mode_until!) - Math.floor(end.getTime() / 60_000) * 60_000) < 61_000);

    await enforcement.enforce(GROUP, 'night_mode_off', { admin_id: 7 });
    assert.equal(await nightMode.tick(new Date(now.getTime() + 60_000)), 0);
    assert.equal((await groups.getSettings(GROUP)).features_enabled.night_mode, false);
  });
});
