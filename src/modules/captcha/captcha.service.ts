import type { Db } from '../../db/client.ts';
import { AppError } from '../../platform/errors.ts';
import type { BotsService } from '../bots/bots.service.ts';
import type { EnforcementService } from '../enforcement/enforcement.service.ts';
import type { GroupsService } from '../groups/groups.service.ts';
import { CaptchaRepo, type ChallengeRow } from './captcha.repo.ts';

export interface ChallengeView {
  group_id: number;
  user_id: number;
  message_id: number | null;
  status: 'pending' | 'solved' | 'expired';
  expires_at: string;
}

/** Seconds the timeout job waits past the deadline, so it never finds the challenge a moment early. */
const EXPIRY_GRACE_SECONDS = 1;

/** Queues the timeout check (a durable delayed job in production). */
export type ScheduleCaptchaExpiry = (groupId: number, userId: number, runAt: Date) => Promise<void>;

/**
 * New-member captcha: the newcomer is muted until they press the button; if the timeout
 * passes first they are kicked. Muting, unmuting and kicking go through enforcement, so they
 * are logged and visible in the user's status like any other action.
 */
export class CaptchaService {
  private readonly repo: CaptchaRepo;

  constructor(
    db: Db,
    private readonly groups: GroupsService,
    private readonly enforcement: EnforcementService,
    private readonly bots: BotsService,
    private readonly scheduleExpiry: ScheduleCaptchaExpiry,
  ) {
    this.repo = new CaptchaRepo(db);
  }

  /**
   * Starts a challenge shown in `messageId`: mutes the newcomer until they solve it, records it
   * and queues the timeout that kicks them if they do not.
   *
   * @example
   * const prompt = await ctx.reply('Press the button', { reply_markup });
   * await captcha.challenge(chatId, newcomer.id, prompt.message_id, 120);
   */
  async challenge(groupId: number, userId: number, messageId: number | null, timeoutSeconds: number): Promise<ChallengeView> {
    const group = await this.groups.get(groupId);
    await this.enforcement.enforce(groupId, 'mute', { user_id: userId, reason: 'captcha', source: 'system' });
    const expiresAt = new Date(Date.now() + timeoutSeconds * 1000);
    const row = await this.repo.open({ groupId, userId, botId: group.bot_id, messageId, expiresAt });
    await this.scheduleExpiry(groupId, userId, new Date(expiresAt.getTime() + EXPIRY_GRACE_SECONDS * 1000));
    return toView(row);
  }

  /** The newcomer pressed the button: lifts the mute and removes the challenge message. False if it was not pending. */
  async solve(groupId: number, userId: number): Promise<boolean> {
    const row = await this.repo.solve(groupId, userId);
    if (!row) return false;
    await this.enforcement.enforce(groupId, 'unmute', { user_id: userId, reason: 'captcha solved', source: 'system' });
    await this.removeMessage(row.botId, groupId, row.messageId);
    return true;
  }

  /**
   * The timeout: kicks a newcomer whose challenge is still pending, and removes the challenge
   * message. Idempotent: a solved or already expired challenge is left alone.
   */
  async expire(groupId: number, userId: number): Promise<boolean> {
    const row = await this.repo.expire(groupId, userId);
    if (!row) {
      const current = await this.repo.find(groupId, userId);
      // A job that ran a moment early must be retried, or the newcomer would stay muted forever.
      if (current?.status === 'pending') throw new AppError('CAPTCHA_NOT_DUE', { message: `Captcha of ${userId} in ${groupId} runs out at ${current.expiresAt.toISOString()}`, status: 409 });
      return false;
    }
    await this.enforcement.enforce(groupId, 'kick', { user_id: userId, reason: 'captcha timeout', source: 'system' });
    // The kicked user is gone; the captcha mute must not greet them if they come back.
    await this.enforcement.setUserActionState(groupId, userId, { action: 'mute', state: 'inactive', reason: 'captcha timeout' });
    await this.removeMessage(row.botId, groupId, row.messageId);
    return true;
  }

  async get(groupId: number, userId: number): Promise<ChallengeView | null> {
    const row = await this.repo.find(groupId, userId);
    return row ? toView(row) : null;
  }

  private async removeMessage(botId: number | null, chatId: number, messageId: number | null): Promise<void> {
    if (messageId === null) return;
    const api = await this.bots.apiFor(botId);
    // Already deleted by an admin, or older than 48 h: nothing left to clean up.
    await api?.deleteMessage(chatId, messageId).catch(() => undefined);
  }
}

function toView(row: ChallengeRow): ChallengeView {
  return { group_id: row.groupId, user_id: row.userId, message_id: row.messageId, status: row.status, expires_at: row.expiresAt.toISOString() };
}
