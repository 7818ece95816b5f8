import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Deps } from './deps.ts';
import { anyCredentialAuth, endUserKey, requestedBotId } from './platform/auth.ts';
import { ErrorBody, frameworkErrors, installErrorHandler } from './platform/http.ts';
import { installInputGuards } from './platform/input-guard.ts';
import { installOperationDefaults } from './platform/openapi-defaults.ts';
import { AppError } from './platform/errors.ts';
import './platform/fastify.ts';
import { apiKeysRoutes } from './modules/api-keys/api-keys.routes.ts';
import { auditRoutes } from './modules/audit/audit.routes.ts';
import { botsRoutes } from './modules/bots/bots.routes.ts';
import { enforcementRoutes } from './modules/enforcement/enforcement.routes.ts';
import { membersRoutes } from './modules/members/members.routes.ts';
import { captchaRoutes } from './modules/captcha/captcha.routes.ts';
import { antifloodRoutes } from './modules/antiflood/antiflood.routes.ts';
import { groupsRoutes } from './modules/groups/groups.routes.ts';
import { rolesRoutes } from './modules/roles/roles.routes.ts';
import { rulesRoutes } from './modules/rules/rules.routes.ts';
import { VERSION, systemRoutes } from './modules/system/system.routes.ts';
import { adminMeRoutes, authRoutes } from './modules/auth/auth.routes.ts';
import { usersRoutes } from './modules/users/users.routes.ts';
import { adminLinkRoutes } from './modules/admin-link/admin-link.routes.ts';
import { webRoutes } from './modules/web/web.routes.ts';
import type { BotRunner } from './bot/runner.ts';
import { botWebhookRoutes } from './bot/webhook.ts';
import { httpMonitoring, metricsRoutes, prometheusRoutes } from './modules/metrics/metrics.routes.ts';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import { broadcastsRoutes } from './modules/broadcasts/broadcasts.routes.ts';
import { catalogRoutes, generationsRoutes } from './modules/generations/generations.routes.ts';
import { paymentsRoutes } from './modules/payments/payments.routes.ts';
import { pluginsRoutes } from './modules/plugins/plugins.routes.ts';
import { installModuleGate } from './modules/plugins/plugins.gate.ts';
import { integrationsRoutes } from './modules/integrations/integrations.routes.ts';
import { filesRoutes } from './modules/files/files.routes.ts';
import { inboundWebhooksRoutes, webhooksRoutes } from './modules/webhooks/webhooks.routes.ts';
import { accessLogRoutes, apiKeyUsage } from './modules/access-log/access-log.routes.ts';
import { liveRoutes } from './modules/live/live.routes.ts';
import { analyticsRoutes } from './modules/analytics/analytics.routes.ts';
import { adminRoutes } from './modules/admin/admin.routes.ts';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface BuildAppOptions {
  /** The bot role in webhook mode: Telegram's updates arrive at `POST /telegram/:bot_id`. */
  botRunner?: BotRunner;
}

/** Builds the HTTP app over the shared deps: infrastructure plugins, then each module's routes. */
export async function buildApp(deps: Deps, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    loggerInstance: deps.logger.child({ role: 'api' }) as FastifyBaseLogger,
    bodyLimit: config.BODY_LIMIT_BYTES,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, useDefaults: true, allErrors: false } },
    frameworkErrors,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('deps', deps);
  app.decorate('services', deps.services);
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  installErrorHandler(app);
  installInputGuards(app);
  installOperationDefaults(app);
  // Before any route: routes declaring `config: { module }` get the switch's gate.
  installModuleGate(app);
  app.addSchema(ErrorBody);
  await app.register(httpMonitoring);

  await app.register(cors, {
    origin: config.CORS_ORIGINS === '*' ? true : config.CORS_ORIGINS.split(',').map((o) => o.trim()),
    exposedHeaders: ['x-request-id'],
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'tgbase', version: VERSION, description: 'Back end for Telegram bots: moderation API V2 and more.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'API key' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'none' } });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(systemRoutes);
  await app.register(webRoutes, { distDir: config.WEB_DIST_DIR ?? fileURLToPath(new URL('../web/dist', import.meta.url)) });
  if (options.botRunner?.mode === 'webhook') await app.register(botWebhookRoutes(options.botRunner));
  await app.register(prometheusRoutes);
  await app.register(inboundWebhooksRoutes);
  // WebSockets authenticate on their own: browsers cannot send the Authorization header.
  await app.register(liveRoutes);
  const { auth, adminLinks, apiKeys } = deps.services;
  // An operator session is JWT-shaped but stands in for the bootstrap key.
  const jwtPrincipal = async (token: string) => (await adminLinks.operatorPrincipal(token)) ?? auth.principalFromJwt(token);
  // The moderation and operations API: an API key, or the admin panel's JWT (owner admins act on
  // their own bots' groups). Checked before the body is even read. No Mini App users here.
  await app.register(async (api) => {
    api.addHook('onRequest', anyCredentialAuth({ jwt: jwtPrincipal, apiKey: (token) => apiKeys.authenticate(token) }));
    await api.register(apiKeyUsage);
    await api.register(apiKeysRoutes);
    await api.register(botsRoutes);
    await api.register(groupsRoutes);
    await api.register(rolesRoutes);
    await api.register(rulesRoutes);
    await api.register(enforcementRoutes);
    await api.register(membersRoutes);
    await api.register(captchaRoutes);
    await api.register(antifloodRoutes);
    await api.register(auditRoutes);
    await api.register(metricsRoutes);
    await api.register(pluginsRoutes);
    await api.register(integrationsRoutes);
    await api.register(filesRoutes);
    await api.register(webhooksRoutes);
    await api.register(accessLogRoutes);
  });
  // People and money (seeds 002 and 004): Mini App initData, our JWTs, or an API key.
  await app.register(authRoutes);
  await app.register(adminLinkRoutes);
  const userCredentials = anyCredentialAuth({
    initData: (raw, request) => auth.principalFromInitData(raw, requestedBotId(request)),
    jwt: jwtPrincipal,
    apiKey: (token) => apiKeys.authenticate(token),
  });
  await app.register(async (api) => {
    api.addHook('onRequest', userCredentials);
    // Per-user limits need the principal, so they run after authentication (preHandler). Every
    // route here limits each Mini App user; routes with their own limit (price) count apart.
    await api.register(rateLimit, {
      hook: 'preHandler',
      max: config.MINI_APP_RATE_LIMIT_PER_MINUTE,
      timeWindow: 60_000,
      keyGenerator: (request) => `user:${endUserKey(request.principal)}`,
      allowList: (request) => endUserKey(request.principal) === null,
      nameSpace: `${config.REDIS_PREFIX}rate:`,
      ...(deps.cache.redisClient && { redis: deps.cache.redisClient }),
      errorResponseBuilder: (_request, context) =>
        new AppError('RATE_LIMITED', { message: `Rate limit exceeded: ${context.max} requests per ${context.after}`, status: 429 }),
    });
    await api.register(adminMeRoutes);
    await api.register(usersRoutes);
    await api.register(multipart, { limits: { fileSize: config.MEDIA_UPLOAD_MAX_BYTES, files: 1 } });
    await api.register(generationsRoutes);
    await api.register(broadcastsRoutes);
    await api.register(paymentsRoutes);
    await api.register(analyticsRoutes);
    await api.register(adminRoutes);
  });
  await app.register(catalogRoutes, { credentials: userCredentials });
  return app as unknown as FastifyInstance;
}
