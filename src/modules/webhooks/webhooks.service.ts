import { createHash, randomBytes } from 'node:crypto';
import { sign } from '@octokit/webhooks-methods';
import type { Db } from '../../db/client.ts';
import type { Cache } from '../../platform/cache.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import type { PlatformEvent, PlatformEvents } from '../../platform/events.ts';
import type { SecretBox } from '../../platform/secret-box.ts';
import type { IntegrationsService, SentMessage } from '../integrations/integrations.service.ts';
import { WebhooksRepo, type CustomWebhookRow, type DeliveryRow, type EndpointRow } from './webhooks.repo.ts';
import type { CustomAction } from './webhooks.tables.ts';

export interface CustomWebhookInput {
  name: string;
  action: CustomAction;
  chat_id: number;
  template?: string | null;
  parse_mode?: 'HTML' | 'MarkdownV2' | null;
  enabled?: boolean;
}

export interface CustomWebhookView {
  id: number;
  bot_id: number;
  name: string;
  token_prefix: string;
  action: CustomAction;
  chat_id: number;
  template: string | null;
  parse_mode: 'HTML' | 'MarkdownV2' | null;
  enabled: boolean;
  url: string;
  created_at: string;
  last_triggered_at: string | null;
}

export interface EndpointView {
  id: number;
  bot_id: number | null;
  url: string;
  events: string[];
  enabled: boolean;
  created_at: string;
}

export interface DeliveryView {
  id: number;
  endpoint_id: number;
  event_id: string;
  event: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

export interface GithubDelivery {
  deliveryId: string;
  event: string;
  payload: Record<string, any>;
}

export interface WebhooksOptions {
  timeoutSeconds: number;
  maxAttempts: number;
  github: { notifyBotId?: number; notifyChatId?: number };
}

/** Enqueues the delivery job for one delivery row (pg-boss; see webhooks.jobs.ts). */
export type EnqueueDelivery = (deliveryId: number) => Promise<void>;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.]+)\s*\}\}/g;

/**
 * Webhooks both ways. Inbound: GitHub (signature checked at the edge) and custom tokens mapped to
 * an action through the bot. Outbound: platform events to operators' URLs, one delivery row per
 * event and endpoint, sent by a job that signs the body and retries with backoff.
 */
/** Enabled outbound endpoints, cached; creating or deleting one invalidates it everywhere. */
const SUBSCRIBERS_KEY = 'webhook-endpoints';
const SUBSCRIBERS_TTL_SECONDS = 300;

export class WebhooksService {
  private readonly repo: WebhooksRepo;
  private enqueue: EnqueueDelivery = async () => {
    throw new Error('webhook delivery queue not connected');
  };

  constructor(
    db: Db,
    private readonly cache: Cache,
    private readonly secrets: SecretBox,
    private readonly integrations: IntegrationsService,
    private readonly events: PlatformEvents,
    private readonly options: WebhooksOptions,
  ) {
    this.repo = new WebhooksRepo(db);
  }

  /** Connects the job queue (the job definition needs the service, so it comes second). */
  connectQueue(enqueue: EnqueueDelivery): void {
    this.enqueue = enqueue;
  }

  // --- custom inbound webhooks ---

  async createCustom(botId: number, input: CustomWebhookInput): Promise<CustomWebhookView & { token: string }> {
    const token = `whk_${randomBytes(24).toString('base64url')}`;
    const row = await this.repo.insertCustom({
      botId,
      name: input.name,
      tokenHash: hashToken(token),
      tokenPrefix: token.slice(0, 10),
      action: input.action,
      chatId: input.chat_id,
      template: input.template ?? null,
      parseMode: input.parse_mode ?? null,
      enabled: input.enabled ?? true,
    });
    return { ...customView(row, token), token };
  }

  async getCustom(id: number): Promise<CustomWebhookView> {
    return customView(await this.customRow(id));
  }

  async listCustom(botId: number | null): Promise<CustomWebhookView[]> {
    return (await this.repo.listCustom(botId)).map((r) => customView(r));
  }

  async updateCustom(id: number, patch: Partial<CustomWebhookInput>): Promise<CustomWebhookView> {
    const row = await this.repo.updateCustom(id, {
      ...(patch.name !== undefined && { name: patch.name }),
      ...(patch.chat_id !== undefined && { chatId: patch.chat_id }),
      ...(patch.template !== undefined && { template: patch.template }),
      ...(patch.parse_mode !== undefined && { parseMode: patch.parse_mode }),
      ...(patch.enabled !== undefined && { enabled: patch.enabled }),
    });
    if (!row) throw notFound('custom webhook', id);
    return customView(row);
  }

  async deleteCustom(id: number): Promise<CustomWebhookView> {
    const row = await this.repo.deleteCustom(id);
    if (!row) throw notFound('custom webhook', id);
    return customView(row);
  }

  /**
   * Runs the action a custom token is mapped to. Unknown or disabled tokens are 404 alike, so
   * probing tells nothing. The message is the template filled from the posted JSON, or the
   * posted `message` when the webhook has no template.
   */
  async triggerCustom(token: string, body: Record<string, unknown>): Promise<{ webhook_id: number; action: CustomAction; result: SentMessage }> {
    const row = await this.repo.findCustomByHash(hashToken(token));
    if (!row || !row.enabled) throw new AppError('WEBHOOK_NOT_FOUND', { message: 'No such webhook', status: 404 });
    const text = row.template ? fillTemplate(row.template, body) : typeof body.message === 'string' ? body.message : null;
    if (!text?.trim()) throw new AppError('MESSAGE_REQUIRED', { message: 'Post {"message": "..."} (this webhook has no template)' });
    const result = await this.integrations.send(row.botId, { chat_id: row.chatId, message: text.slice(0, 4096), parse_mode: row.parseMode ?? undefined }, 'custom_webhooks');
    await this.repo.updateCustom(row.id, { lastTriggeredAt: new Date() });
    return { webhook_id: row.id, action: row.action, result };
  }

  // --- GitHub ---

  /**
   * Handles a GitHub delivery whose signature the edge verified: once per delivery id, announces
   * it as a platform event and, when configured, posts a summary to the notify chat.
   */
  async handleGithub(delivery: GithubDelivery): Promise<{ duplicate: boolean; summary: string; notified: boolean }> {
    const { payload } = delivery;
    const repository: string | null = payload.repository?.full_name ?? null;
    const summary = githubSummary(delivery.event, payload);
    const fresh = await this.repo.claimGithubDelivery({ deliveryId: delivery.deliveryId, event: delivery.event, repository, summary });
    if (!fresh) return { duplicate: true, summary, notified: false };
    this.events.emit('github.event', {
      delivery_id: delivery.deliveryId,
      event: delivery.event,
      repository,
      ref: payload.ref ?? null,
      sender: payload.sender?.login ?? null,
      summary,
    });
    const { notifyBotId, notifyChatId } = this.options.github;
    if (notifyBotId === undefined || notifyChatId === undefined || delivery.event === 'ping') return { duplicate: false, summary, notified: false };
    await this.integrations.send(notifyBotId, { chat_id: notifyChatId, message: summary }, 'custom_webhooks');
    return { duplicate: false, summary, notified: true };
  }

  // --- outbound ---

  async createEndpoint(botId: number | null, input: { url: string; events: string[] }): Promise<EndpointView & { secret: string }> {
    const secret = `whsec_${randomBytes(24).toString('base64url')}`;
    const row = await this.repo.insertEndpoint({ botId, url: input.url, events: [...new Set(input.events)], secretSealed: this.secrets.seal(secret) });
    await this.cache.invalidate(SUBSCRIBERS_KEY);
    return { ...endpointView(row), secret };
  }

  async getEndpoint(id: number): Promise<EndpointView> {
    const row = await this.repo.findEndpoint(id);
    if (!row) throw notFound('webhook endpoint', id);
    return endpointView(row);
  }

  async listEndpoints(botId: number | null): Promise<EndpointView[]> {
    return (await this.repo.listEndpoints(botId)).map(endpointView);
  }

  async deleteEndpoint(id: number): Promise<EndpointView> {
    const row = await this.repo.deleteEndpoint(id);
    if (!row) throw notFound('webhook endpoint', id);
    await this.cache.invalidate(SUBSCRIBERS_KEY);
    return endpointView(row);
  }

  async deliveries(endpointId: number, limit: number): Promise<DeliveryView[]> {
    return (await this.repo.deliveries(endpointId, limit)).map(deliveryView);
  }

  /** Event listener: one delivery per subscribed endpoint, enqueued after its row is stored. */
  async onPlatformEvent(event: PlatformEvent): Promise<void> {
    const botId = 'bot_id' in event.data ? event.data.bot_id : null;
    // Every enforcement emits an event: the subscriber list is cached, not queried per event.
    const all = await this.cache.getOrLoad(SUBSCRIBERS_KEY, SUBSCRIBERS_TTL_SECONDS, async () =>
      (await this.repo.enabledEndpoints()).map((e) => ({ id: e.id, botId: e.botId, events: e.events })),
    );
    const endpoints = all.filter((e) => e.events.includes(event.name) && (e.botId === null || e.botId === botId));
    for (const endpoint of endpoints) {
      const delivery = await this.repo.insertDelivery({
        endpointId: endpoint.id,
        eventId: event.id,
        event: event.name,
        payload: { id: event.id, event: event.name, occurred_at: event.occurred_at, data: event.data },
      });
      if (delivery) await this.enqueue(delivery.id);
    }
  }

  /**
   * One delivery attempt (the job handler). Throws to have the job retried while attempts
   * remain; the last failed attempt marks the delivery failed instead.
   */
  async deliver(deliveryId: number): Promise<DeliveryView> {
    const delivery = await this.repo.findDelivery(deliveryId);
    if (!delivery) throw notFound('webhook delivery', deliveryId);
    if (delivery.status !== 'pending') return deliveryView(delivery);
    const endpoint = await this.repo.findEndpoint(delivery.endpointId);
    if (!endpoint?.enabled) {
      await this.repo.setDeliveryStatus(deliveryId, 'cancelled');
      return deliveryView({ ...delivery, status: 'cancelled' });
    }
    const body = JSON.stringify(delivery.payload);
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'tgbase-webhooks',
          'x-tgbase-event': delivery.event,
          'x-tgbase-delivery': delivery.eventId,
          'x-tgbase-signature-256': await sign(this.secrets.open(endpoint.secretSealed), body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutSeconds * 1000),
      });
      statusCode = response.status;
      await response.body?.cancel();
      if (!response.ok) error = `HTTP ${response.status}`;
    } catch (err) {
      error = (err as Error).name === 'TimeoutError' ? `timed out after ${this.options.timeoutSeconds} s` : (err as Error).message;
    }
    const finalAttempt = delivery.attempts + 1 >= this.options.maxAttempts;
    const updated = await this.repo.recordAttempt(deliveryId, {
      lastStatusCode: statusCode,
      lastError: error,
      ...(error === null ? { status: 'delivered' as const, deliveredAt: new Date() } : finalAttempt ? { status: 'failed' as const } : {}),
    });
    if (error !== null && !finalAttempt) throw new Error(`webhook delivery ${deliveryId} to endpoint ${endpoint.id} failed: ${error}`);
    return deliveryView(updated);
  }

  private async customRow(id: number): Promise<CustomWebhookRow> {
    const row = await this.repo.findCustom(id);
    if (!row) throw notFound('custom webhook', id);
    return row;
  }
}

/** Fills `{{a.b}}` from the posted JSON; missing fields become empty. */
export function fillTemplate(template: string, values: Record<string, unknown>): string {
  return template.replace(PLACEHOLDER, (_all, pathText: string) => {
    let value: unknown = values;
    for (const key of pathText.split('.')) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    return value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  });
}

function githubSummary(event: string, payload: Record<string, any>): string {
  const repo = payload.repository?.full_name ?? 'a repository';
  const sender = payload.sender?.login ?? 'someone';
  if (event === 'ping') return `GitHub webhook connected for ${repo}`;
  if (event === 'push') {
    const branch = typeof payload.ref === 'string' ? payload.ref.replace(/^refs\/(heads|tags)\//, '') : '?';
    const commits: { message?: string }[] = Array.isArray(payload.commits) ? payload.commits : [];
    const lines = commits.slice(0, 5).map((c) => `• ${(c.message ?? '').split('\n')[0]}`);
    return [`${sender} pushed ${commits.length} commit${commits.length === 1 ? '' : 's'} to ${repo}@${branch}`, ...lines].join('\n');
  }
  return `GitHub ${event}${payload.action ? ` ${payload.action}` : ''} on ${repo} by ${sender}`;
}

function customView(row: CustomWebhookRow, token?: string): CustomWebhookView {
  return {
    id: row.id,
    bot_id: row.botId,
    name: row.name,
    token_prefix: row.tokenPrefix,
    action: row.action,
    chat_id: row.chatId,
    template: row.template,
    parse_mode: row.parseMode,
    enabled: row.enabled,
    url: token ? `/webhooks/custom/${token}` : `/webhooks/custom/${row.tokenPrefix}…`,
    created_at: row.createdAt.toISOString(),
    last_triggered_at: row.lastTriggeredAt?.toISOString() ?? null,
  };
}

function endpointView(row: EndpointRow): EndpointView {
  return { id: row.id, bot_id: row.botId, url: row.url, events: row.events, enabled: row.enabled, created_at: row.createdAt.toISOString() };
}

function deliveryView(row: DeliveryRow): DeliveryView {
  return {
    id: row.id,
    endpoint_id: row.endpointId,
    event_id: row.eventId,
    event: row.event,
    status: row.status,
    attempts: row.attempts,
    last_status_code: row.lastStatusCode,
    last_error: row.lastError,
    created_at: row.createdAt.toISOString(),
    delivered_at: row.deliveredAt?.toISOString() ?? null,
  };
}
