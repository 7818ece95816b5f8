/**
 * Thrown by a handler whose work failed and must not be lost (a Stars payment Telegram already
 * took, not yet credited). The bot's error boundary then does not acknowledge the update: it
 * forgets having seen it, hands it to `retryLater` (a durable job) and, in webhook mode, lets
 * the error through so Telegram gets a non-2xx answer and delivers the update again.
 *
 * @example
 * try {
 *   await payments.confirm(botId, report);
 * } catch (err) {
 *   if (isRefusal(err)) throw err;
 *   throw new UnfinishedUpdate(err, () => payments.confirmLater({ bot_id: botId, chat_id: chatId, report }));
 * }
 */
export class UnfinishedUpdate extends Error {
  constructor(
    cause: unknown,
    /** Hands the work to a durable retry; long polling has moved past the update, so this is its only second chance there. */
    readonly retryLater?: () => Promise<void>,
  ) {
    super(`Update not finished: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'UnfinishedUpdate';
  }
}
