import type { Logger } from 'pino';
import { TgbaseApiError, TgbaseClient } from '../../packages/client/src/client.ts';
import { ConfigError, type Config } from '../config.ts';
import { Cache } from '../platform/cache.ts';
import { AppError } from '../platform/errors.ts';
import { createMetricsRegistry } from '../platform/metrics.ts';
import { openSharedState } from '../platform/shared-state.ts';
import { isSenderChatAction, type EnforcementResult, type EnforcementService, type UserStatus } from '../modules/enforcement/enforcement.service.ts';
import type { GroupView, SettingsView } from '../modules/groups/groups.service.ts';
import { BotMetricsRecorder } from '../modules/metrics/metrics.recorder.ts';
import type { Standing } from '../modules/roles/roles.service.ts';
import type { RuleHit } from '../modules/rules/message-rules.service.ts';
import type { BotDeps, BotServices } from './context.ts';
import { BotRunner } from './runner.ts';

/**
 * The bot as a process of its own: the same composers, with BotServices answered by a remote
 * tgbase over HTTP through the typed client. tgbase keeps the state, runs the timeout jobs and
 * makes the moderation calls to Telegram with the token it holds; this process turns updates
 * into API calls and replies.
 *
 * @example
 * // TGBASE_API_URL=https://tgbase.example API_V2_KEY=… BOT_TOKENS=123:ABC ROLES=bot npm start
 */
export async function startRemoteBot(config: Config, logger: Logger): Promise<{ runner: BotRunner; close(): Promise<void> }> {
  if (!config.TGBASE_API_URL || !config.API_V2_KEY || !config.BOT_TOKENS) throw new ConfigError('TGBASE_API_URL needs API_V2_KEY and BOT_TOKENS');
  const client = new TgbaseClient({ baseUrl: config.TGBASE_API_URL, apiKey: config.API_V2_KEY });
  const tokens = config.BOT_TOKENS.split(',');
  for (const token of tokens) await ensureRegistered(client, token, logger);
  const deps = remoteBotDeps(config, logger, client);
  const runner = new BotRunner(deps, async () => tokens);
  await runner.start();
  logger.info({ tgbase: config.TGBASE_API_URL, bots: tokens.length }, 'remote bot started');
  return {
    runner,
    async close() {
      await runner.stop();
      await deps.cache.close();
      await deps.shared.close();
    },
  };
}

/** What a bot needs when tgbase is remote: its own cache and shared state, and BotServices over `client`. */
export function remoteBotDeps(config: Config, logger: Logger, client: TgbaseClient): BotDeps {
  // Its own prefix: the server's cache keys hold other shapes, and its invalidations are not ours.
  const prefix = `${config.REDIS_PREFIX}remote-bot:`;
  const cache = new Cache({ maxEntries: config.CACHE_L1_MAX_ENTRIES, redisUrl: config.REDIS_URL, prefix }, logger);
  const shared = openSharedState({ redisUrl: config.REDIS_URL, prefix }, logger);
  return { config, logger, cache, shared, services: remoteBotServices(client, cache, config.BOT_REMOTE_CACHE_SECONDS) };
}

/** tgbase acts in Telegram with the bot's token; without it, actions would only be recorded. */
async function ensureRegistered(client: TgbaseClient, token: string, logger: Logger): Promise<void> {
  const botId = Number(token.split(':')[0]);
  const known = await client.getBot(botId).catch((err: unknown) => {
    if (err instanceof TgbaseApiError && err.status === 404) return null;
    throw err;
  });
  if (known?.has_token) return;
  await client.registerBot({ token });
  logger.info({ bot_id: botId }, 'bot registered with tgbase');
}

/**
 * BotServices over HTTP. Groups and settings are read on nearly every update, so they are
 * cached for `cacheSeconds` and dropped when this process changes them; changes made elsewhere
 * (the admin panel) show within that time.
 */
function remoteBotServices(client: TgbaseClient, cache: Cache, cacheSeconds: number): BotServices {
  const groupKey = (id: number) => `group:${id}`;
  const settingsKey = (id: number) => `settings:${id}`;
  const forgetGroup = (id: number) => cache.invalidate(groupKey(id), settingsKey(id));
  // tgbase has one settings route; it switches lockdown and night mode when asked to.
  const putSettings = async (groupId: number, patch: Parameters<EnforcementService['updateSettings']>[1], actorId: number | null | undefined): Promise<SettingsView> => {
    const settings = await relay(client.updateGroupSettings(groupId, { ...patch, ...(actorId != null && { admin_id: actorId }) }));
    await forgetGroup(groupId);
    return settings as SettingsView;
  };

  return {
    groups: {
      get: (groupId) => cache.getOrLoad(groupKey(groupId), cacheSeconds, () => relay(client.getGroup(groupId))),
      create: (input) => relay(client.createGroup(input)),
      async update(groupId, patch) {
        const group = await relay(client.updateGroup(groupId, patch));
        await forgetGroup(groupId);
        return group;
      },
      getSettings: (groupId) => cache.getOrLoad(settingsKey(groupId), cacheSeconds, () => relay(client.getGroupSettings(groupId))) as Promise<SettingsView>,
      async updateSettings(groupId, patch, actorId) {
        await putSettings(groupId, patch, actorId);
      },
      async migrateChatId(fromGroupId, toGroupId) {
        const group = await relay(client.migrateGroup(fromGroupId, toGroupId));
        await Promise.all([forgetGroup(fromGroupId), forgetGroup(toGroupId)]);
        return group as GroupView;
      },
    },
    members: {
      // Every update names its sender: write only when the user is new to this process or changed.
      async remember(user) {
        const seen = { first_name: user.first_name, ...(user.username && { username: user.username }), ...(user.language_code && { language_code: user.language_code }) };
        return cache.getOrLoad(`member:${user.id}:${JSON.stringify(seen)}`, 3600, () => relay(client.rememberMember(user.id, seen)));
      },
      get: (userId) => relay(client.getMember(userId)),
      byUsername: (username) => relay(client.findMemberByUsername(username)),
    },
    roles: {
      list: (groupId) => relay(client.listRoles(groupId)),
      standing: (groupId, userId) => relay(client.getUserRole(groupId, userId)) as Promise<Standing>,
    },
    rules: {
      list: (groupId) => relay(client.listRules(groupId)),
    },
    messageRules: {
      check: async (groupId, message) => (await relay(client.checkMessage(groupId, message))) as RuleHit | null,
    },
    enforcement: {
      async enforce(groupId, actionType, input) {
        const { source: _source, ...body } = input;
        if (isSenderChatAction(actionType)) {
          const ban = actionType === 'ban_sender_chat';
          return (await relay(client.setSenderChatBan(groupId, body.user_id!, ban, { admin_id: body.admin_id, reason: body.reason, source: 'bot' }))) as EnforcementResult;
        }
        const result = (await relay(client.executeAction(actionType, { group_id: groupId, ...body, source: 'bot' }))) as EnforcementResult;
        // A lockdown or night mode changes the settings the next update reads.
        await cache.invalidate(settingsKey(groupId));
        return result;
      },
      userStatus: (groupId, userId) => relay(client.getUserStatus(userId, groupId)) as Promise<UserStatus>,
      updateSettings: putSettings,
    },
    antiflood: {
      onMessage: async (groupId, userId, at) => (await relay(client.countMessage(groupId, userId, at === undefined ? undefined : new Date(at)))) as EnforcementResult | null,
    },
    captcha: {
      challenge: (groupId, userId, messageId, timeoutSeconds) => relay(client.startCaptcha(groupId, { user_id: userId, message_id: messageId, timeout_seconds: timeoutSeconds })),
      solve: (groupId, userId) => relay(client.solveCaptcha(groupId, userId)),
    },
    bots: {
      deleteMessageLater: (botId, chatId, messageId, afterSeconds) => relay(client.scheduleMessageDeletion(botId, chatId, messageId, afterSeconds)),
    },
    botMetrics: new BotMetricsRecorder(createMetricsRegistry()),
    plugins: {
      // Like settings: a switch flipped on the server shows here within `cacheSeconds`.
      async isEnabled(botId, name) {
        const states = await cache.getOrLoad(`plugins:${botId}`, cacheSeconds, async () => (await relay(client.listPlugins(botId))).plugins);
        return states.find((p) => p.name === name)?.enabled ?? false;
      },
    },
  };
}

/**
 * The server's refusals become AppErrors, as the in-process services throw, so composers and
 * the bot's error boundary treat both alike (a 403 is shown to the user, a 404 group is created).
 */
async function relay<T>(request: Promise<T>): Promise<T> {
  try {
    return await request;
  } catch (err) {
    if (err instanceof TgbaseApiError) {
      const details = typeof err.details === 'object' && err.details !== null ? (err.details as Record<string, unknown>) : undefined;
      throw new AppError(err.code, { message: err.serverMessage, status: err.status, details, cause: err });
    }
    throw err;
  }
}
