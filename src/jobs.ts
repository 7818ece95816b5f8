import type { Deps } from './deps.ts';
import type { JobDefinition } from './platform/jobs.ts';
import { cleanupActionLogJob } from './modules/audit/audit.jobs.ts';
import { sweepExpiredJob } from './modules/enforcement/enforcement.jobs.ts';
import { deleteMessageJob } from './modules/bots/bots.jobs.ts';
import { captchaExpireJob } from './modules/captcha/captcha.jobs.ts';
import { nightModeTickJob } from './modules/night-mode/night-mode.jobs.ts';

/** Every module's job definitions, registered with the engine at start. */
export function jobDefinitions(deps: Deps): JobDefinition<any>[] {
  return [
    sweepExpiredJob(deps.services),
    cleanupActionLogJob(deps.services, deps.config.ACTION_LOG_RETENTION_DAYS),
    deleteMessageJob(deps.services),
    captchaExpireJob(deps.services),
    nightModeTickJob(deps.services),
  ];
}
