import type { FastifyPluginAsyncTypebox } from '../../platform/fastify.ts';
import { Envelope, errorResponses, ok } from '../../platform/http.ts';
import { botFor } from '../bots/bots.access.ts';
import { PluginList, PluginParams, PluginsQuery, ToggleBody, ToggledPlugin } from './plugins.schema.ts';

export const pluginsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { plugins } = app.services;
  const tags = ['plugins'];

  app.get('/api/plugins', {
    schema: { tags, description: "A bot's plugins (modules) and whether each is on.", querystring: PluginsQuery, response: { 200: Envelope(PluginList), ...errorResponses } },
    handler: async (request) => {
      const bot = await botFor(request, 'read', request.query.bot_id);
      const list = await plugins.list(bot.bot_id);
      return ok({ bot_id: bot.bot_id, total: list.length, plugins: list });
    },
  });

  app.post('/api/plugins/:name/toggle', {
    schema: {
      tags,
      description: 'Switches a plugin on or off for one bot; without `enabled` it flips the current state. Takes effect at once on every instance.',
      params: PluginParams,
      body: ToggleBody,
      response: { 200: Envelope(ToggledPlugin), ...errorResponses },
    },
    // Seed 003's clients POST with no body at all: that means "flip it".
    preValidation: async (request) => {
      request.body ??= {};
    },
    handler: async (request) => {
      const bot = await botFor(request, 'write', request.body.bot_id);
      const state = await plugins.toggle(bot.bot_id, request.params.name, request.body.enabled);
      return ok({ ...state, bot_id: bot.bot_id }, `Plugin ${state.name} ${state.enabled ? 'enabled' : 'disabled'}`);
    },
  });
};
