import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '../../platform/fastify.ts';
import { assertOwnUser, bearerToken, principalOf, requestedBotId, resolveBotId, tenantBotId, type Access } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import { errorResponses, uploadedFile } from '../../platform/http.ts';
import {
  ActiveResponse,
  AdminGenerationsQuery,
  AdminGenerationsResponse,
  AdminModelResponse,
  AdminModelsResponse,
  BotIdQuery,
  GenerationParams,
  GenerationView,
  ModelParams,
  ModelsResponse,
  OwnerQuery,
  PriceBody,
  PriceResponse,
  QueueResponse,
  RefundBody,
  RefundResponse,
  ResultsResponse,
  SetPriceBody,
  SizesResponse,
  SubmitBody,
  SubmitResponse,
  ToolBody,
  ToolParams,
  UpdateModelBody,
  UploadResponse,
} from './generations.schema.ts';
import type { GenerationView as GenerationViewData } from './generations.service.ts';

const unavailable = { 503: errorResponses[400], 502: errorResponses[400] };

/** The bot of a per-user request, after checking the caller may act for this Telegram user. */
function userBot(request: FastifyRequest, telegramId: number, explicitBotId: number | undefined, need: Access): number {
  const principal = principalOf(request);
  const botId = tenantBotId(principal, explicitBotId ?? requestedBotId(request));
  assertOwnUser(principal, botId, telegramId, need);
  return botId;
}

/** The generation, if the caller may see its owner's data. */
async function ownGeneration(request: FastifyRequest, id: string, telegramId: number, need: Access = 'read') {
  const botId = userBot(request, telegramId, undefined, need);
  const generation = await request.server.services.generations.get(botId, id);
  if (generation.telegram_id !== telegramId) throw new AppError('FORBIDDEN', { message: "Access denied to another user's generation", status: 403 });
  return { botId, generation };
}

function submitted(result: { generation: GenerationViewData; balance: number }) {
  const { generation, balance } = result;
  return { generation_id: generation.id, status: generation.status, cost: generation.cost, trial_used: generation.trial, balance, generation };
}

/**
 * The public catalog: no credentials needed, the bot is named by `bot_id` (or `X-Bot-Id`). A Mini
 * App sends its initData or JWT instead, so without `bot_id` the bot comes from those credentials.
 */
export const catalogRoutes: FastifyPluginAsyncTypebox<{ credentials: (request: FastifyRequest, reply: FastifyReply) => Promise<void> }> = async (app, { credentials }) => {
  const { generations } = app.services;
  // Only when no bot is named: an explicit bot_id keeps the catalog public even next to stale credentials.
  const credentialsIfNoBot = async (request: FastifyRequest, reply: FastifyReply) => {
    const presented = request.headers['x-telegram-init-data'] !== undefined || bearerToken(request) !== undefined;
    if (presented && requestedBotId(request) === undefined) await credentials(request, reply);
  };
  const botOf = (request: FastifyRequest) => {
    const explicit = requestedBotId(request);
    const principal = request.principal;
    if (explicit !== undefined || !principal) {
      if (explicit === undefined) throw new AppError('BOT_ID_REQUIRED', { message: 'Name the bot: bot_id query parameter or X-Bot-Id header' });
      return explicit;
    }
    // A Mini App login JWT names the bot it was issued through; prefer it over bots the user administers.
    return tenantBotId(principal, principal.kind === 'admin' ? (principal.loginBotId ?? undefined) : undefined);
  };

  app.get('/api/v1/models', {
    schema: { tags: ['models'], querystring: BotIdQuery, response: { 200: ModelsResponse, ...errorResponses } },
    onRequest: credentialsIfNoBot,
    handler: async (request) => ({ models: await generations.activeModels(botOf(request), 'image') }),
  });

  app.get('/api/v1/sizes', {
    schema: { tags: ['models'], response: { 200: SizesResponse } },
    handler: async () => ({ sizes: generations.sizes() }),
  });
};

/** Seed 004's generation, tool, upload and admin routes (inside the credentials scope). */
export const generationsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { generations } = app.services;
  const { config } = app.deps;
  const tags = ['generations'];

  app.post('/api/v1/generations/price', {
    schema: { tags, body: PriceBody, response: { 200: PriceResponse, ...errorResponses, 429: errorResponses[400] } },
    config: {
      module: 'generations',
      rateLimit: {
        max: config.PRICE_RATE_LIMIT_PER_MINUTE,
        timeWindow: 60_000,
        // Unlike the scope's per-user limit, this one binds every caller.
        allowList: () => false,
        // Per Mini App user (per bot); other callers by credential.
        keyGenerator: (request: FastifyRequest) => {
          const p = request.principal;
          if (p?.kind === 'mini_app') return `price:${p.botId}:${p.telegramId}`;
          if (p?.kind === 'admin') return `price:admin:${p.telegramId}`;
          return `price:${request.ip}`;
        },
      },
    },
    handler: async (request) => {
      const { telegram_id, bot_id, ...choice } = request.body;
      const principal = principalOf(request);
      const botId = telegram_id !== undefined ? userBot(request, telegram_id, bot_id, 'read') : tenantBotId(principal, bot_id ?? requestedBotId(request));
      const quote = await generations.quote(botId, choice);
      return { model_id: quote.model.model_id, price: quote.credits, credits: quote.credits, variant: quote.variant, mode: quote.mode, currency: 'credits' as const };
    },
  });

  app.post('/api/v1/generations/submit', {
    schema: { tags, body: SubmitBody, response: { 200: SubmitResponse, ...errorResponses, 402: errorResponses[400], 409: errorResponses[400], ...unavailable } },
    config: { module: 'generations' },
    handler: async (request) => {
      const botId = userBot(request, request.body.telegram_id, request.body.bot_id, 'write');
      return submitted(await generations.submit(botId, request.body, 'image'));
    },
  });

  app.post('/api/v1/tools/:tool', {
    schema: { tags: ['tools'], params: ToolParams, body: ToolBody, response: { 200: SubmitResponse, ...errorResponses, 402: errorResponses[400], 409: errorResponses[400], ...unavailable } },
    config: { module: 'generations' },
    handler: async (request) => {
      const botId = userBot(request, request.body.telegram_id, request.body.bot_id, 'write');
      return submitted(await generations.submit(botId, { ...request.body, model_id: request.params.tool }, 'tool'));
    },
  });

  app.get('/api/v1/generations/active', {
    schema: { tags, querystring: OwnerQuery, response: { 200: ActiveResponse, ...errorResponses } },
    handler: async (request) => {
      const { telegram_id, bot_id } = request.query;
      const generation = await generations.active(userBot(request, telegram_id, bot_id, 'read'), telegram_id);
      return { active: generation !== null, generation };
    },
  });

  app.get('/api/v1/generations/:id', {
    schema: { tags, params: GenerationParams, querystring: OwnerQuery, response: { 200: GenerationView, ...errorResponses } },
    handler: async (request) => (await ownGeneration(request, request.params.id, request.query.telegram_id)).generation,
  });

  app.post('/api/v1/generations/:id/refresh', {
    schema: { tags, params: GenerationParams, querystring: OwnerQuery, response: { 200: GenerationView, ...errorResponses } },
    handler: async (request) => {
      const { botId } = await ownGeneration(request, request.params.id, request.query.telegram_id, 'write');
      return generations.refresh(botId, request.params.id);
    },
  });

  app.get('/api/v1/generations/:id/results', {
    schema: { tags, params: GenerationParams, querystring: OwnerQuery, response: { 200: ResultsResponse, ...errorResponses } },
    handler: async (request) => {
      const { generation } = await ownGeneration(request, request.params.id, request.query.telegram_id);
      return { generation_id: generation.id, status: generation.status, results: generation.results };
    },
  });

  app.post('/api/v1/media/upload', {
    schema: { tags: ['media'], consumes: ['multipart/form-data'], response: { 200: UploadResponse, ...errorResponses, 413: errorResponses[400], ...unavailable } },
    // Uploads are generation inputs.
    config: { module: 'generations' },
    handler: async (request) => {
      const principal = principalOf(request);
      tenantBotId(principal, requestedBotId(request));
      if (!request.isMultipart()) throw new AppError('MULTIPART_REQUIRED', { message: 'Send the file as multipart/form-data (field "file")' });
      const file = await uploadedFile(request);
      if (!file) throw new AppError('FILE_REQUIRED', { message: 'No file in the upload' });
      const data = await file.toBuffer();
      const { url } = await generations.upload({ data, filename: file.filename, contentType: file.mimetype });
      return { url, download_url: url, filename: file.filename, size: data.length };
    },
  });

  // --- admin ---
  const admin = ['admin'];
  const actorOf = (request: FastifyRequest) => {
    const p = principalOf(request);
    return p.kind === 'admin' || p.kind === 'mini_app' ? p.telegramId : null;
  };

  app.get('/api/v1/admin/models', {
    schema: { tags: admin, querystring: BotIdQuery, response: { 200: AdminModelsResponse, ...errorResponses } },
    handler: async (request) => ({ models: await generations.adminModels(resolveBotId(principalOf(request), requestedBotId(request), 'read')) }),
  });

  app.patch('/api/v1/admin/models/:model_id', {
    schema: { tags: admin, params: ModelParams, querystring: BotIdQuery, body: UpdateModelBody, response: { 200: AdminModelResponse, ...errorResponses } },
    handler: async (request) => generations.updateModel(resolveBotId(principalOf(request), requestedBotId(request), 'write'), request.params.model_id, request.body),
  });

  app.put('/api/v1/admin/models/:model_id/price', {
    schema: { tags: admin, params: ModelParams, querystring: BotIdQuery, body: SetPriceBody, response: { 200: AdminModelResponse, ...errorResponses } },
    handler: async (request) => {
      const botId = resolveBotId(principalOf(request), requestedBotId(request), 'write');
      return generations.setPrice(botId, request.params.model_id, request.body.price, request.body.variant, actorOf(request));
    },
  });

  app.get('/api/v1/admin/generations', {
    schema: { tags: admin, querystring: AdminGenerationsQuery, response: { 200: AdminGenerationsResponse, ...errorResponses } },
    handler: async (request) => {
      const { offset, limit, status, telegram_id } = request.query;
      const botId = resolveBotId(principalOf(request), requestedBotId(request), 'read');
      return generations.list({ botId, status, telegramId: telegram_id }, limit, offset);
    },
  });

  app.get('/api/v1/admin/generations/queue', {
    schema: { tags: admin, querystring: BotIdQuery, response: { 200: QueueResponse, ...errorResponses } },
    handler: async (request) => generations.queue(resolveBotId(principalOf(request), requestedBotId(request), 'read')),
  });

  app.post('/api/v1/admin/generations/:id/refund', {
    schema: { tags: admin, params: GenerationParams, querystring: BotIdQuery, body: RefundBody, response: { 200: RefundResponse, ...errorResponses, 409: errorResponses[400] } },
    handler: async (request) => {
      const botId = resolveBotId(principalOf(request), requestedBotId(request), 'write');
      return generations.refund(botId, request.params.id, actorOf(request), request.body?.reason ?? null);
    },
  });
};
