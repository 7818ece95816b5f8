import type { FastifyPluginAsyncTypebox } from '../../platform/fastify.ts';
import { bearerToken, principalOf, unauthorized } from '../../platform/auth.ts';
import { errorResponses } from '../../platform/http.ts';
import { AdminLoginBody, AdminLoginResponse, AdminMe, TelegramAuthBody, TelegramAuthResponse } from './auth.schema.ts';

/** Public login routes: Mini App initData (seed 002) and the admin Login Widget (seed 004). */
export const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { auth } = app.services;
  const tags = ['auth'];

  app.post('/api/auth/telegram', {
    schema: { tags, body: TelegramAuthBody, response: { 200: TelegramAuthResponse, ...errorResponses } },
    handler: async (request) => auth.loginWithInitData(request.body.init_data, request.body.bot_id),
  });

  app.post('/api/v1/admin/auth/login', {
    schema: { tags, body: AdminLoginBody, response: { 200: AdminLoginResponse, ...errorResponses } },
    handler: async (request) => {
      const { bot_id, ...data } = request.body;
      return auth.loginWithWidget(data, bot_id);
    },
  });
};

/** Needs a credential (registered inside the authenticated scope). */
export const adminMeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/api/v1/admin/auth/me', {
    schema: { tags: ['auth'], response: { 200: AdminMe, ...errorResponses } },
    handler: async (request) => {
      const principal = principalOf(request);
      const token = bearerToken(request);
      if (principal.kind !== 'admin' || !token) throw unauthorized('An admin token is required');
      return app.services.auth.me(token);
    },
  });
};
