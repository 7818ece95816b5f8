import { defineJob, type JobRef } from '../../platform/jobs.ts';
import type { Services } from '../../deps.ts';

export interface CaptchaExpirePayload {
  group_id: number;
  user_id: number;
}

export const CAPTCHA_EXPIRE: JobRef<CaptchaExpirePayload> = { name: 'captcha.expire', version: 1 };

/** Runs when a new member's captcha times out: kicks them if they have not pressed the button. */
export const captchaExpireJob = (services: Pick<Services, 'captcha'>) =>
  defineJob<CaptchaExpirePayload>({
    ...CAPTCHA_EXPIRE,
    retryLimit: 3,
    handle: async ({ group_id, user_id }) => {
      await services.captcha.expire(group_id, user_id);
    },
  });
