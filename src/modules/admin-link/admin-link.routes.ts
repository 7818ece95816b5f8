import type { FastifyPluginAsyncTypebox } from '../../platform/fastify.ts';
import { errorResponses } from '../../platform/http.ts';
import { AdminSessionView, LoginOptionsView, RedeemLinkBody } from './admin-link.schema.ts';

/** Public admin-panel login helpers: the one-time link exchange and what the login page shows. */
export const adminLinkRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { adminLinks } = app.services;
  const tags = ['auth'];

  app.post('/api/v1/admin/auth/link', {
    schema: { tags, description: 'Exchanges a one-time login link (`npm run admin-link`) for a session token.', body: RedeemLinkBody, response: { 200: AdminSessionView, ...errorResponses } },
    handler: async (request) => adminLinks.redeem(request.body.token),
  });

  app.get('/api/v1/admin/auth/options', {
    schema: { tags, description: 'What the admin login page offers.', response: { 200: LoginOptionsView } },
    handler: async () => ({ login_widget_bot: await adminLinks.loginWidgetBot() }),
  });
};
