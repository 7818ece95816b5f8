import type { Context } from 'grammy';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Services } from '../deps.ts';
import type { Cache } from '../platform/cache.ts';
import type { Jobs } from '../platform/jobs.ts';
import type { GroupView } from '../modules/groups/groups.service.ts';
import type { CallbackData } from './callback-data.ts';
import type { Lang, Params, StringKey } from './i18n.ts';

/** What the bot needs from the process: the shared services, cache, job engine and config. */
export interface BotDeps {
  config: Config;
  logger: Logger;
  cache: Cache;
  jobs: Jobs;
  services: Services;
}

/** Everything a handler needs, set on the context before any composer runs. */
export interface BotContextFlavor {
  services: Services;
  deps: BotDeps;
  /** A child logger carrying the update id and bot id. */
  log: Logger;
  botId: number;
  lang: Lang;
  t(key: StringKey, params?: Params): string;
  /** The tgbase group of a group chat (registered on first sight), when this bot runs it. */
  group?: GroupView;
  /** The callback query's data, parsed with its schema; null when absent or invalid. */
  callback: CallbackData | null;
}

export type BotContext = Context & BotContextFlavor;
