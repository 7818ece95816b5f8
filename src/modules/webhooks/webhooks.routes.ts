import { verify } from '@octokit/webhooks-methods';
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '../../platform/fastify.ts';
import { principalOf, unauthorized } from '../../platform/auth.ts';
import { AppError, forbidden } from '../../platform/errors.ts';
import { Envelope, errorResponses, ok } from '../../platform/http.ts';
import { assertBotOwned, botFor, botScopeFor } from '../bots/bots.access.ts';
import {
  BotQuery,
  CreateCustomBody,
  CreateEndpointBody,
  CreatedCustomWebhook,
  CreatedEndpoint,
  CustomWebhookView,
  DeliveriesQuery,
  DeliveryView,
  EndpointView,
  GithubResult,
  IdParams,
  TokenParams,
  TriggerResult,
  UpdateCustomBody,
} from './webhooks.schema.ts';

/** Management of custom (inbound) webhooks and outbound endpoints; API key routes. */
export const webhooksRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { webhooks } = app.services;
  const tags = ['webhooks'];

  app.post('/api/webhooks/custom', {
    schema: { tags, description: 'Maps a new secret URL (`/webhooks/custom/{token}`) to an action; the token is shown once.', body: CreateCustomBody, response: { 201: Envelope(CreatedCustomWebhook), ...errorResponses } },
    config: { module: 'custom_webhooks' },
    handler: async (request, reply) => {
      const { bot_id, ...input } = request.body;
      const bot = await botFor(request, 'write', bot_id);
      return reply.status(201).send(ok(await webhooks.createCustom(bot.bot_id, input), 'Custom webhook created; store its URL now, the token is not shown again'));
    },
  });

  app.get('/api/webhooks/custom', {
    schema: { tags, querystring: BotQuery, response: { 200: Envelope(Type.Array(CustomWebhookView)), ...errorResponses } },
    handler: async (request) => ok(await webhooks.listCustom(await botScopeFor(request, 'read', request.query.bot_id))),
  });

  app.get('/api/webhooks/custom/:id', {
    schema: { tags, params: IdParams, response: { 200: Envelope(CustomWebhookView), ...errorResponses } },
    handler: async (request) => {
      const hook = await webhooks.getCustom(request.params.id);
      assertBotOwned(request, 'custom webhook', hook, 'read');
      return ok(hook);
    },
  });

  app.patch('/api/webhooks/custom/:id', {
    schema: { tags, params: IdParams, body: UpdateCustomBody, response: { 200: Envelope(CustomWebhookView), ...errorResponses } },
    handler: async (request) => {
      assertBotOwned(request, 'custom webhook', await webhooks.getCustom(request.params.id), 'write');
      return ok(await webhooks.updateCustom(request.params.id, request.body), 'Custom webhook updated');
    },
  });

  app.delete('/api/webhooks/custom/:id', {
    schema: { tags, params: IdParams, response: { 200: Envelope(CustomWebhookView), ...errorResponses } },
    handler: async (request) => {
      assertBotOwned(request, 'custom webhook', await webhooks.getCustom(request.params.id), 'write');
      return ok(await webhooks.deleteCustom(request.params.id), 'Custom webhook deleted');
    },
  });

  app.post('/api/webhooks/endpoints', {
    schema: {
      tags,
      description: 'Subscribes a URL to platform events. Each delivery is a signed POST (`X-Tgbase-Signature-256: sha256=<HMAC-SHA256 of the body>`, GitHub-style), retried with backoff. The secret is shown once.',
      body: CreateEndpointBody,
      response: { 201: Envelope(CreatedEndpoint), ...errorResponses },
    },
    handler: async (request, reply) => {
      const { bot_id, ...input } = request.body;
      const principal = principalOf(request);
      if (principal.kind === 'api_key' && principal.access !== 'write') throw forbidden('This API key is read-only');
      const botId = await botScopeFor(request, 'write', bot_id);
      return reply.status(201).send(ok(await webhooks.createEndpoint(botId, input), 'Webhook endpoint created; store its secret now, it is not shown again'));
    },
  });

  app.get('/api/webhooks/endpoints', {
    schema: { tags, querystring: BotQuery, response: { 200: Envelope(Type.Array(EndpointView)), ...errorResponses } },
    handler: async (request) => ok(await webhooks.listEndpoints(await botScopeFor(request, 'read', request.query.bot_id))),
  });

  app.delete('/api/webhooks/endpoints/:id', {
    schema: { tags, params: IdParams, response: { 200: Envelope(EndpointView), ...errorResponses } },
    handler: async (request) => {
      assertBotOwned(request, 'webhook endpoint', await webhooks.getEndpoint(request.params.id), 'write');
      return ok(await webhooks.deleteEndpoint(request.params.id), 'Webhook endpoint deleted');
    },
  });

  app.get('/api/webhooks/endpoints/:id/deliveries', {
    schema: { tags, params: IdParams, querystring: DeliveriesQuery, response: { 200: Envelope(Type.Array(DeliveryView)), ...errorResponses } },
    handler: async (request) => {
      assertBotOwned(request, 'webhook endpoint', await webhooks.getEndpoint(request.params.id), 'read');
      return ok(await webhooks.deliveries(request.params.id, request.query.limit));
    },
  });
};

/** Public inbound webhooks: authenticated by their own secret (a URL token or GitHub's signature), not an API key. */
export const inboundWebhooksRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { webhooks } = app.services;
  const { config } = app.deps;
  const tags = ['webhooks'];
  // The signature covers the exact bytes GitHub sent, so the body is kept raw and parsed after the check.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.post('/webhooks/custom/:token', {
    schema: { tags, description: 'Runs the action mapped to this token with the posted JSON.', params: TokenParams, body: Type.Unknown(), response: { 200: Envelope(TriggerResult), 404: Type.Ref('ErrorBody'), 400: Type.Ref('ErrorBody'), 403: Type.Ref('ErrorBody') } },
    handler: async (request) => {
      const body = parseJsonObject(request.body);
      return ok(await webhooks.triggerCustom(request.params.token, body), 'Webhook action done');
    },
  });

  app.post('/webhooks/github', {
    schema: {
      tags,
      description: 'GitHub webhook (content type application/json). `X-Hub-Signature-256` must be the HMAC-SHA256 of the body with GITHUB_WEBHOOK_SECRET.',
      headers: Type.Object({ 'x-github-event': Type.String({ minLength: 1 }), 'x-github-delivery': Type.String({ minLength: 1, maxLength: 100 }), 'x-hub-signature-256': Type.Optional(Type.String()) }),
      body: Type.Unknown(),
      response: { 200: Envelope(GithubResult), 400: Type.Ref('ErrorBody'), 401: Type.Ref('ErrorBody'), 404: Type.Ref('ErrorBody') },
    },
    handler: async (request) => {
      if (!config.GITHUB_WEBHOOK_SECRET) throw new AppError('GITHUB_WEBHOOK_DISABLED', { message: 'GitHub webhook is not configured', status: 404 });
      const raw = typeof request.body === 'string' ? request.body : null;
      if (raw === null) throw new AppError('JSON_REQUIRED', { message: 'Configure the GitHub webhook with content type application/json' });
      const signature = request.headers['x-hub-signature-256'];
      if (!signature || !(await verify(config.GITHUB_WEBHOOK_SECRET, raw, signature).catch(() => false))) {
        throw unauthorized('Invalid X-Hub-Signature-256');
      }
      const event = request.headers['x-github-event'];
      const outcome = await webhooks.handleGithub({ deliveryId: request.headers['x-github-delivery'], event, payload: parseJsonObject(raw) });
      return ok({ event, ...outcome }, outcome.duplicate ? 'Delivery already handled' : 'Delivery handled');
    },
  });
};

function parseJsonObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null || body === '') return {};
  let value: unknown = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      throw new AppError('INVALID_JSON', { message: 'The body is not valid JSON' });
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new AppError('INVALID_JSON', { message: 'The body must be a JSON object' });
  return value as Record<string, unknown>;
}
