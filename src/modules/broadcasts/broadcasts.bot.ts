import { Composer } from 'grammy';
import type { BotContext } from '../../bot/context.ts';
import type { BroadcastsService } from './broadcasts.service.ts';

/**
 * Who broadcasts can reach: a user who blocks the bot in their private chat is recorded as
 * blocked (as a 403 during a broadcast records them); one who writes to the bot again, or
 * unblocks it, is cleared, so later broadcasts include them. Every update goes on to the next
 * composer, also when the record fails: it must not cost the user the answer they wrote for.
 */
export function broadcastsComposer(broadcasts: Pick<BroadcastsService, 'clearBlock' | 'recordBlock'>): Composer<BotContext> {
  const composer = new Composer<BotContext>();
  const privateChats = composer.chatType('private');

  privateChats.on('message', async (ctx, next) => {
    await followReachability(ctx, () => broadcasts.clearBlock(ctx.botId, ctx.from.id));
    await next();
  });

  privateChats.on('my_chat_member', async (ctx, next) => {
    const { status } = ctx.myChatMember.new_chat_member;
    if (status === 'kicked') await followReachability(ctx, () => broadcasts.recordBlock(ctx.botId, ctx.chat.id));
    else if (status === 'member') await followReachability(ctx, () => broadcasts.clearBlock(ctx.botId, ctx.chat.id));
    await next();
  });
  return composer;
}

async function followReachability(ctx: BotContext, change: () => Promise<unknown>): Promise<void> {
  try {
    await change();
  } catch (err) {
    ctx.log.warn({ err }, 'could not record whether the user blocked the bot');
  }
}
