import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '../../platform/fastify.ts';
import { principalOf, requestedBotId, resolveBotId, type Access } from '../../platform/auth.ts';
import { AppError } from '../../platform/errors.ts';
import { errorResponses } from '../../platform/http.ts';
import { BotIdQuery, BroadcastList, BroadcastParams, BroadcastView, CreateBroadcastBody, ListBroadcastsQuery } from './broadcasts.schema.ts';

const botOf = (request: FastifyRequest, need: Access, explicit?: number) => resolveBotId(principalOf(request), explicit ?? requestedBotId(request), need);

/** Seed 004's admin broadcast routes. */
export const broadcastsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { broadcasts } = app.services;
  const tags = ['admin', 'broadcasts'];
  const conflictResponse = { 409: errorResponses[400] };

  app.post('/api/v1/admin/broadcasts', {
    schema: { tags, body: CreateBroadcastBody, response: { 201: BroadcastView, ...errorResponses } },
    config: { module: 'broadcasts' },
    handler: async (request, reply) => {
      const { bot_id, ...input } = request.body;
      if (input.photo && input.text.length > 1024) throw new AppError('CAPTION_TOO_LONG', { message: 'With a photo the text is a caption: at most 1024 characters' });
      const principal = principalOf(request);
      const actor = principal.kind === 'admin' ? principal.telegramId : null;
      return reply.status(201).send(await broadcasts.create(botOf(request, 'write', bot_id), input, actor));
    },
  });

  app.get('/api/v1/admin/broadcasts', {
    schema: { tags, querystring: ListBroadcastsQuery, response: { 200: BroadcastList, ...errorResponses } },
    handler: async (request) => broadcasts.list(botOf(request, 'read'), request.query.limit, request.query.offset),
  });

  app.get('/api/v1/admin/broadcasts/:public_id', {
    schema: { tags, params: BroadcastParams, querystring: BotIdQuery, response: { 200: BroadcastView, ...errorResponses } },
    handler: async (request) => broadcasts.get(botOf(request, 'read'), request.params.public_id),
  });

  app.post('/api/v1/admin/broadcasts/:public_id/start', {
    schema: { tags, params: BroadcastParams, querystring: BotIdQuery, response: { 200: BroadcastView, ...errorResponses, ...conflictResponse } },
    config: { module: 'broadcasts' },
    handler: async (request) => broadcasts.start(botOf(request, 'write'), request.params.public_id),
  });

  app.post('/api/v1/admin/broadcasts/:public_id/cancel', {
    schema: { tags, params: BroadcastParams, querystring: BotIdQuery, response: { 200: BroadcastView, ...errorResponses, ...conflictResponse } },
    handler: async (request) => broadcasts.cancel(botOf(request, 'write'), request.params.public_id),
  });
};
