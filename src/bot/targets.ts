import type { MessageEntity, User } from 'grammy/types';
import type { BotContext } from './context.ts';

export interface Target {
  id: number;
  /** How to name the user in a reply. */
  name: string;
  /** A chat writing in the group (a channel, or a user posting as one): only ban and unban apply. */
  senderChat: boolean;
}

/** A chat that sent a message on its own behalf (`sender_chat`), or one named by its negative id. */
export interface SenderChatRef {
  id: number;
  title?: string;
  username?: string;
}

export interface ModerationArgs {
  /**
   * Who the command is about: a replied-to or mentioned user, an @username, a numeric id, or a
   * sender chat (the replied-to message was sent on behalf of a chat, or a negative id was given).
   */
  target: { user: User } | { username: string } | { id: number } | { chat: SenderChatRef } | null;
  duration: number | null;
  reason: string | null;
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const DURATION = /^(\d{1,6})([smhdw])$/i;
const USERNAME = /^@([A-Za-z0-9_]{3,32})$/;
const USER_ID = /^\d{1,16}$/;
const CHAT_ID = /^-\d{1,16}$/;

/** `10m` → 600, `2h` → 7200, `3d` → 259200; null when the token is not a duration. */
export function parseDuration(token: string): number | null {
  const match = DURATION.exec(token);
  return match ? Number(match[1]) * UNIT_SECONDS[match[2].toLowerCase()] : null;
}

/**
 * Reads `[target] [duration] [reason…]` after a moderation command. The target may instead be
 * the author of the replied-to message or a text mention (users without a username).
 *
 * @example
 * // "/mute @spammer 10m links" → { target: { username: 'spammer' }, duration: 600, reason: 'links' }
 */
export function parseModerationArgs(ctx: BotContext, args: string): ModerationArgs {
  const tokens = args.trim().split(/\s+/).filter(Boolean);
  let target: ModerationArgs['target'] = null;
  const replied = ctx.msg?.reply_to_message;
  const mention = (ctx.msg?.entities ?? []).find((e): e is MessageEntity.TextMentionMessageEntity => e.type === 'text_mention');
  if (replied?.sender_chat) {
    target = { chat: replied.sender_chat };
  } else if (replied?.from && replied.from.id !== ctx.me.id) {
    target = { user: replied.from };
  } else if (mention) {
    target = { user: mention.user };
    const mentioned = ctx.msg!.text!.slice(mention.offset, mention.offset + mention.length).trim().split(/\s+/);
    tokens.splice(0, mentioned.length);
  } else if (tokens.length > 0 && USERNAME.test(tokens[0])) {
    target = { username: USERNAME.exec(tokens.shift()!)![1] };
  } else if (tokens.length > 0 && USER_ID.test(tokens[0])) {
    target = { id: Number(tokens.shift()) };
  } else if (tokens.length > 0 && CHAT_ID.test(tokens[0])) {
    target = { chat: { id: Number(tokens.shift()) } };
  }
  const duration = tokens.length > 0 ? parseDuration(tokens[0]) : null;
  if (duration !== null) tokens.shift();
  return { target, duration, reason: tokens.length > 0 ? tokens.join(' ') : null };
}

/** The target as a user id and a display name; null when an @username was never seen. */
export async function resolveTarget(ctx: BotContext, target: NonNullable<ModerationArgs['target']>): Promise<Target | null> {
  if ('chat' in target) {
    const { id, title, username } = target.chat;
    return { id, name: username ? `@${username}` : (title ?? String(id)), senderChat: true };
  }
  if ('user' in target) return { id: target.user.id, name: displayName(target.user), senderChat: false };
  if ('id' in target) {
    const known = await ctx.services.members.get(target.id);
    return { id: target.id, name: known ? displayName({ first_name: known.first_name, username: known.username ?? undefined }) : String(target.id), senderChat: false };
  }
  const known = await ctx.services.members.byUsername(target.username);
  return known ? { id: known.user_id, name: `@${known.username}`, senderChat: false } : null;
}

export function displayName(user: { first_name: string; username?: string }): string {
  return user.username ? `@${user.username}` : user.first_name;
}
