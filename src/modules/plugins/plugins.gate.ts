import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Principal } from '../../platform/auth.ts';
import { moduleDisabled, type PluginName } from './plugins.service.ts';

/** A route's module: fixed, or chosen per request (one route may serve two modules). */
export type RouteModule = PluginName | ((request: FastifyRequest) => PluginName | null);

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The module switch this route belongs to: while it is off for the request's bot, the route
     * answers 403 `MODULE_DISABLED` instead of running.
     */
    module?: RouteModule;
  }
}

interface Tenant {
  botId: number;
  /** Set when the route names a group (`:group_id`), whose access rules then apply. */
  groupId?: number;
}

/**
 * Gives every route declaring `config: { module }` a pre-handler that refuses it while the
 * module is switched off for the request's bot. Call before any route is registered.
 *
 * @example
 * installModuleGate(app);
 * app.post('/api/send', { config: { module: 'api_send' }, schema, handler });
 */
export function installModuleGate(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const module = route.config?.module;
    if (!module) return;
    const gate = moduleGate(module);
    const own = route.preHandler ? [route.preHandler].flat() : [];
    route.preHandler = [gate, ...own] as typeof route.preHandler;
  });
}

function moduleGate(module: RouteModule): preHandlerAsyncHookHandler {
  return async (request) => {
    const name = typeof module === 'function' ? module(request) : module;
    if (!name) return;
    const tenant = await tenantOf(request);
    if (!tenant || (await request.server.services.plugins.isEnabled(tenant.botId, name))) return;
    // Whether another tenant's module is on is not the caller's business: the handler refuses them as usual.
    if (!mayKnow(request.principal, tenant)) return;
    throw moduleDisabled(name, tenant.botId);
  };
}

/**
 * The bot a request acts for, found the way the handlers find it: the group in the path, an
 * explicit `bot_id` (or seed 003's `client`) in body, query or `X-Bot-Id`, the caller's own bot,
 * or the only registered bot. Null when it cannot tell; the handler then answers as it would.
 */
async function tenantOf(request: FastifyRequest): Promise<Tenant | null> {
  const { groups, bots } = request.server.services;
  const groupId = (request.params as { group_id?: unknown } | undefined)?.group_id;
  if (typeof groupId === 'number') {
    const group = await groups.get(groupId).catch(() => null);
    return group?.bot_id != null ? { botId: group.bot_id, groupId } : null;
  }
  const body = typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};
  const query = (request.query ?? {}) as Record<string, unknown>;
  const header = Number(request.headers['x-bot-id'] ?? Number.NaN);
  const explicit = [body.bot_id, body.client, query.bot_id, query.client, header].find((v): v is number => typeof v === 'number' && Number.isSafeInteger(v));
  if (explicit !== undefined) return { botId: explicit };
  const principal = request.principal;
  if (principal?.kind === 'mini_app') return { botId: principal.botId };
  if (principal?.kind === 'api_key' && principal.scope === 'bot' && principal.botId !== null) return { botId: principal.botId };
  if (principal?.kind === 'admin') {
    const own = principal.botIds.length === 1 ? principal.botIds[0] : principal.botIds.length === 0 ? principal.loginBotId : null;
    return own === null ? null : { botId: own };
  }
  const all = await bots.list();
  return all.length === 1 ? { botId: all[0].bot_id } : null;
}

function mayKnow(principal: Principal | undefined, tenant: Tenant): boolean {
  switch (principal?.kind) {
    case 'bootstrap':
      return true;
    case 'api_key':
      if (principal.scope === 'groups') return tenant.groupId !== undefined && (principal.groupIds?.includes(tenant.groupId) ?? false);
      return principal.scope === 'global' || principal.botId === tenant.botId;
    case 'admin':
      return principal.botIds.includes(tenant.botId) || principal.loginBotId === tenant.botId;
    case 'mini_app':
      return principal.botId === tenant.botId;
    default:
      return false;
  }
}
