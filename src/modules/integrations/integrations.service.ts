import type { Api } from 'grammy';
import type { Chat } from 'grammy/types';
import { AppError } from '../../platform/errors.ts';
import { telegramError } from '../../platform/telegram.ts';
import type { BotsService } from '../bots/bots.service.ts';
import type { PluginName, PluginsService } from '../plugins/plugins.service.ts';

export interface SendInput {
  chat_id: number | string;
  message: string;
  parse_mode?: 'HTML' | 'MarkdownV2';
  disable_notification?: boolean;
  reply_to_message_id?: number;
}

export interface SentMessage {
  bot_id: number;
  chat_id: number;
  message_id: number;
  date: number;
}

export interface ChatInfo {
  id: number;
  type: string;
  title: string | null;
  username: string | null;
  first_name: string | null;
  last_name: string | null;
  description: string | null;
  is_forum: boolean;
  member_count: number | null;
}

/**
 * Seed 003's REST integrations: act through one of the registered bots from outside (CI,
 * other services). Telegram's refusals are mapped at this edge and keep the original as cause.
 */
export class IntegrationsService {
  constructor(
    private readonly bots: BotsService,
    private readonly plugins: PluginsService,
  ) {}

  /**
   * Sends a text message through the bot.
   *
   * @example
   * await integrations.send(123456, { chat_id: -1001234567890, message: 'Deployed v2' });
   */
  async send(botId: number, input: SendInput, plugin: PluginName = 'api_send'): Promise<SentMessage> {
    // The route is gated too; this also covers callers whose bot only the service knows (a group key, a webhook token).
    await this.plugins.assertEnabled(botId, plugin);
    const api = await this.apiOf(botId);
    try {
      const sent = await api.sendMessage(input.chat_id, input.message, {
        parse_mode: input.parse_mode,
        disable_notification: input.disable_notification,
        ...(input.reply_to_message_id !== undefined && { reply_parameters: { message_id: input.reply_to_message_id, allow_sending_without_reply: true } }),
      });
      return { bot_id: botId, chat_id: sent.chat.id, message_id: sent.message_id, date: sent.date };
    } catch (err) {
      throw telegramError(err);
    }
  }

  /** The chat as the bot sees it (Telegram's getChat), with its member count when available. */
  async chat(botId: number, chatId: number | string): Promise<ChatInfo> {
    const api = await this.apiOf(botId);
    let chat: Chat & { description?: string; is_forum?: boolean };
    try {
      chat = (await api.getChat(chatId)) as typeof chat;
    } catch (err) {
      throw telegramError(err);
    }
    // The count is a nicety: a chat the bot can read but not count still answers.
    const memberCount = chat.type === 'private' ? null : await api.getChatMemberCount(chat.id).catch(() => null);
    return {
      id: chat.id,
      type: chat.type,
      title: 'title' in chat ? (chat.title ?? null) : null,
      username: 'username' in chat ? (chat.username ?? null) : null,
      first_name: 'first_name' in chat ? (chat.first_name ?? null) : null,
      last_name: 'last_name' in chat ? (chat.last_name ?? null) : null,
      description: chat.description ?? null,
      is_forum: chat.is_forum === true,
      member_count: memberCount,
    };
  }

  private async apiOf(botId: number): Promise<Api> {
    const api = await this.bots.apiFor(botId);
    if (!api) throw new AppError('BOT_HAS_NO_TOKEN', { message: `Bot ${botId} has no token registered`, status: 409 });
    return api;
  }
}
