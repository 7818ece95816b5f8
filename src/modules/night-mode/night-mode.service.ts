import type { Db } from '../../db/client.ts';
import type { EnforcementService } from '../enforcement/enforcement.service.ts';
import type { GroupsService } from '../groups/groups.service.ts';
import type { PluginsService } from '../plugins/plugins.service.ts';
import type { NightModeSchedule } from '../groups/groups.tables.ts';
import { NightModeRepo } from './night-mode.repo.ts';

const MINUTES_PER_DAY = 1440;

/** Where a moment falls in a group's nightly window, in the group's time zone. */
export interface NightWindow {
  /** The instant tonight's window began (to the minute). */
  start: Date;
  /** Seconds left until it ends. */
  secondsLeft: number;
}

/**
 * Night mode on a schedule: at the start of each night (the group's `night_mode_schedule`,
 * read in the group's time zone) night mode is turned on through enforcement with a duration
 * that ends it at the window's end; the enforcement sweep then restores the permissions. Groups
 * of a bot with the night_mode switch off are skipped (the sweep still ends a night in progress).
 */
export class NightModeService {
  private readonly repo: NightModeRepo;

  constructor(
    db: Db,
    private readonly groups: GroupsService,
    private readonly enforcement: EnforcementService,
    private readonly plugins: Pick<PluginsService, 'isEnabled'>,
  ) {
    this.repo = new NightModeRepo(db);
  }

  /** Starts tonight's night mode in every group whose window has begun and was not started yet. Returns how many. */
  async tick(now = new Date()): Promise<number> {
    let started = 0;
    for (const group of await this.groups.nightSchedules()) {
      const window = nightWindowAt(group.schedule, group.timezone, now);
      if (!window) continue;
      // Switched off: tonight's window is left unrecorded, so a tick after switching back on still starts it.
      if (group.bot_id !== null && !(await this.plugins.isEnabled(group.bot_id, 'night_mode'))) continue;
      if ((await this.repo.lastWindowStart(group.group_id))?.getTime() === window.start.getTime()) continue;
      const settings = await this.groups.getSettings(group.group_id);
      if (!settings.features_enabled.night_mode) {
        await this.enforcement.enforce(group.group_id, 'night_mode_on', { duration: window.secondsLeft, reason: 'schedule', source: 'system' });
        started++;
      }
      await this.repo.recordWindowStart(group.group_id, window.start);
    }
    return started;
  }
}

/**
 * The night window `now` falls in, or null outside it. A window may cross midnight
 * (22:00–07:00).
 *
 * @example
 * nightWindowAt({ start: '23:00', end: '07:00' }, 'Europe/Moscow', new Date());
 */
export function nightWindowAt(schedule: NightModeSchedule, timeZone: string, now: Date): NightWindow | null {
  const start = minutesOf(schedule.start);
  const end = minutesOf(schedule.end);
  if (start === end) return null;
  const local = localMinutes(now, timeZone);
  const sinceStart = (local - start + MINUTES_PER_DAY) % MINUTES_PER_DAY;
  const length = (end - start + MINUTES_PER_DAY) % MINUTES_PER_DAY;
  if (sinceStart >= length) return null;
  const startMs = Math.floor(now.getTime() / 60_000) * 60_000 - sinceStart * 60_000;
  return { start: new Date(startMs), secondsLeft: Math.round((startMs + length * 60_000 - now.getTime()) / 1000) };
}

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
}

function localMinutes(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const hour = Number(parts.find((p) => p.type === 'hour')!.value);
  const minute = Number(parts.find((p) => p.type === 'minute')!.value);
  return hour * 60 + minute;
}
