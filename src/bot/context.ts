import type { Context } from 'grammy';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Cache } from '../platform/cache.ts';
import type { SharedState } from '../platform/shared-state.ts';
import type { TelegramCalls } from '../platform/telegram.ts';
import type { AntifloodService } from '../modules/antiflood/antiflood.service.ts';
import type { BotsService } from '../modules/bots/bots.service.ts';
import type { BroadcastsService } from '../modules/broadcasts/broadcasts.service.ts';
import type { CaptchaService } from '../modules/captcha/captcha.service.ts';
import type { EnforcementService } from '../modules/enforcement/enforcement.service.ts';
import type { GroupView, GroupsService } from '../modules/groups/groups.service.ts';
import type { MembersService } from '../modules/members/members.service.ts';
import type { BotMetricsRecorder } from '../modules/metrics/metrics.recorder.ts';
import type { PaymentsService } from '../modules/payments/payments.service.ts';
import type { PluginsService } from '../modules/plugins/plugins.service.ts';
import type { RolesService } from '../modules/roles/roles.service.ts';
import type { RulesService } from '../modules/rules/rules.service.ts';
import type { MessageRulesService } from '../modules/rules/message-rules.service.ts';
import type { CallbackData } from './callback-data.ts';
import type { Lang, Params, StringKey } from './i18n.ts';

/**
 * The part of tgbase the bot uses. In-process these are the services themselves; a bot running
 * in its own process gets the same methods over HTTP (see remote.ts), so every composer works
 * unchanged in both.
 */
export interface BotServices {
  groups: Pick<GroupsService, 'get' | 'create' | 'update' | 'getSettings' | 'updateSettings' | 'migrateChatId'>;
  members: Pick<MembersService, 'remember' | 'get' | 'byUsername'>;
  roles: Pick<RolesService, 'list' | 'standing'>;
  rules: Pick<RulesService, 'list'>;
  messageRules: Pick<MessageRulesService, 'check'>;
  enforcement: Pick<EnforcementService, 'enforce' | 'userStatus' | 'updateSettings'>;
  antiflood: Pick<AntifloodService, 'onMessage'>;
  captcha: Pick<CaptchaService, 'challenge' | 'solve'>;
  /** `onChange` and `recordTokenCheck` only in-process: a remote bot runs a fixed set of tokens, and tgbase checks them itself. */
  bots: Pick<BotsService, 'deleteMessageLater'> & Partial<Pick<BotsService, 'onChange' | 'recordTokenCheck'>>;
  botMetrics: BotMetricsRecorder;
  /** The module switches: composers run through `whenEnabled`. */
  plugins: Pick<PluginsService, 'isEnabled'>;
  /** Stars payments credit the ledger directly, so only an in-process bot takes them. */
  payments?: Pick<PaymentsService, 'answerPreCheckout' | 'confirm' | 'confirmLater'>;
  /** Who blocked the bot (broadcast reachability); in-process only, like payments. */
  broadcasts?: Pick<BroadcastsService, 'clearBlock' | 'recordBlock'>;
}

/** What the bot needs from the process: the services, cache, shared state and config. */
export interface BotDeps {
  config: Config;
  logger: Logger;
  cache: Cache;
  shared: SharedState;
  services: BotServices;
  /** Where the bot's Bot API calls are recorded (reachability) and aborted at shutdown. */
  telegram?: TelegramCalls;
}

/** Everything a handler needs, set on the context before any composer runs. */
export interface BotContextFlavor {
  services: BotServices;
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
