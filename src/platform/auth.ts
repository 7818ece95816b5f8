import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, forbidden } from './errors.ts';

export type Access = 'read' | 'write';

/** Who is calling, and which tenants' data they may touch. */
export type Principal =
  | { kind: 'bootstrap' }
  | {
      kind: 'api_key';
      keyId: number;
      scope: 'global' | 'bot' | 'groups';
      botId: number | null;
      groupIds: number[] | null;
      access: Access;
    }
  /** A Mini App user, from `X-Telegram-Init-Data` signed for `botId`: may touch only their own data. */
  | { kind: 'mini_app'; botId: number; telegramId: number }
  /**
   * A Telegram user holding one of our JWTs (admin Login Widget or Mini App login): admin of
   * `botIds` (resolved per request, so removing an admin takes effect at once), and owner of
   * their own data in the bot they logged in through.
   */
  | { kind: 'admin'; telegramId: number; botIds: number[]; loginBotId: number | null };

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export const unauthorized = (message = 'Missing or invalid API key') =>
  new AppError('UNAUTHORIZED', { message, status: 401 });

export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const [scheme, token] = header.split(' ');
  return scheme?.toLowerCase() === 'bearer' && token ? token : undefined;
}

/** Compares a presented secret with the expected one in constant time (hashing evens out lengths). */
export function secretEquals(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  const digest = (v: string) => createHash('sha256').update(v).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthorized();
  return request.principal;
}

/** True when the principal may see every tenant (bootstrap key or a global key). */
export function isGlobal(principal: Principal): boolean {
  return principal.kind === 'bootstrap' || (principal.kind === 'api_key' && principal.scope === 'global');
}

/** Throws 403 unless the principal's scope covers this group with the needed access. */
export function assertGroupAccess(principal: Principal, group: { groupId: number; botId: number | null }, need: Access): void {
  if (principal.kind === 'bootstrap') return;
  // An owner admin runs every group of their bots, read and write, like a bot-scoped write key.
  if (principal.kind === 'admin') {
    if (group.botId !== null && principal.botIds.includes(group.botId)) return;
    throw forbidden(`No access to group ${group.groupId}`);
  }
  if (principal.kind !== 'api_key') throw forbidden(`No access to group ${group.groupId}`);
  if (need === 'write' && principal.access !== 'write') throw forbidden('This API key is read-only');
  if (principal.scope === 'global') return;
  if (principal.scope === 'bot' && group.botId !== null && group.botId === principal.botId) return;
  if (principal.scope === 'groups' && principal.groupIds?.includes(group.groupId)) return;
  throw forbidden(`This API key has no access to group ${group.groupId}`);
}

export function assertGlobalAccess(principal: Principal, need: Access): void {
  if (!isGlobal(principal)) throw forbidden('This route needs a global API key');
  if (principal.kind === 'api_key' && need === 'write' && principal.access !== 'write') {
    throw forbidden('This API key is read-only');
  }
}

export type Authenticate = (token: string) => Promise<Principal | null>;

/**
 * Fastify hook: resolves the API key (by default the Bearer token; `presented` may look
 * elsewhere) into `request.principal` or answers 401.
 */
export function apiKeyAuth(authenticate: Authenticate, presented: (request: FastifyRequest) => string | undefined = bearerToken) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const token = presented(request);
    if (!token) throw unauthorized();
    const principal = await authenticate(token);
    if (!principal) throw unauthorized();
    request.principal = principal;
  };
}

/**
 * Throws 403 unless the principal may act on this bot's (tenant's) data: a global key, a key
 * scoped to the bot, or one of the bot's owner admins. Mini App users never pass.
 */
export function assertBotAccess(principal: Principal, botId: number, need: Access = 'read'): void {
  if (principal.kind === 'bootstrap') return;
  if (principal.kind === 'admin' && principal.botIds.includes(botId)) return;
  if (principal.kind === 'api_key') {
    if (need === 'write' && principal.access !== 'write') throw forbidden('This API key is read-only');
    if (principal.scope === 'global' || (principal.scope === 'bot' && principal.botId === botId)) return;
  }
  throw forbidden(`Access denied to bot ${botId}`);
}

/**
 * Throws 403 unless the principal may touch this Telegram user's data in this bot: the user
 * themself (Mini App or their own JWT), or anyone with access to the bot.
 */
export function assertOwnUser(principal: Principal, botId: number, telegramId: number, need: Access = 'read'): void {
  if (principal.kind === 'mini_app') {
    if (principal.botId === botId && principal.telegramId === telegramId) return;
    throw forbidden("Access denied to another user's data");
  }
  if (principal.kind === 'admin' && principal.loginBotId === botId && principal.telegramId === telegramId) return;
  if (principal.kind === 'admin' && !principal.botIds.includes(botId)) throw forbidden("Access denied to another user's data");
  assertBotAccess(principal, botId, need);
}

export interface CredentialResolvers {
  /** `X-Telegram-Init-Data`: a Mini App user. Without it, the header is not a credential here. */
  initData?: (raw: string, request: FastifyRequest) => Promise<Principal>;
  /** A Bearer JWT we issued. */
  jwt: (token: string) => Promise<Principal>;
  /** Any other Bearer token: an API key. */
  apiKey: Authenticate;
}

const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/**
 * Fastify onRequest hook accepting every credential kind it is given resolvers for: Mini App
 * initData header, our JWTs, API keys. Routes then check what the principal may touch (assertBotAccess, assertOwnUser).
 */
export function anyCredentialAuth(resolve: CredentialResolvers) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const initData = request.headers['x-telegram-init-data'];
    if (resolve.initData && typeof initData === 'string' && initData.length > 0) {
      request.principal = await resolve.initData(initData, request);
      return;
    }
    const token = bearerToken(request);
    if (!token) {
      throw unauthorized(`Missing credentials: send ${resolve.initData ? 'X-Telegram-Init-Data or ' : ''}Authorization: Bearer <token>`);
    }
    if (JWT_SHAPE.test(token)) {
      request.principal = await resolve.jwt(token);
      return;
    }
    const principal = await resolve.apiKey(token);
    if (!principal) throw unauthorized();
    request.principal = principal;
  };
}

/**
 * The bot (tenant) a request names or implies: a Mini App user's own bot, a bot-scoped key's
 * bot, an admin's only bot (or the bot they logged in through), or the one named explicitly
 * (`bot_id` / `X-Bot-Id`). Not access-checked: see resolveBotId and assertOwnUser.
 */
export function tenantBotId(principal: Principal, explicit: number | undefined): number {
  if (principal.kind === 'mini_app') {
    if (explicit !== undefined && explicit !== principal.botId) throw forbidden(`Access denied to bot ${explicit}`);
    return principal.botId;
  }
  let botId = explicit;
  if (botId === undefined && principal.kind === 'api_key' && principal.scope === 'bot') botId = principal.botId ?? undefined;
  if (botId === undefined && principal.kind === 'admin') {
    if (principal.botIds.length === 1) botId = principal.botIds[0];
    else if (principal.botIds.length === 0) botId = principal.loginBotId ?? undefined;
  }
  if (botId === undefined) throw new AppError('BOT_ID_REQUIRED', { message: 'Name the bot: bot_id query parameter or X-Bot-Id header', status: 400 });
  return botId;
}

/** The bot a tenant-wide route acts on, checked: 403 unless the caller may act on it. */
export function resolveBotId(principal: Principal, explicit: number | undefined, need: Access = 'read'): number {
  const botId = tenantBotId(principal, explicit);
  assertBotAccess(principal, botId, need);
  return botId;
}

/** `bot_id` from the query string or the `X-Bot-Id` header, if given. */
export function requestedBotId(request: FastifyRequest): number | undefined {
  const fromQuery = (request.query as { bot_id?: unknown } | undefined)?.bot_id;
  const raw = fromQuery ?? request.headers['x-bot-id'];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new AppError('VALIDATION_FAILED', { message: 'bot_id must be an integer', status: 400 });
  return value;
}

/**
 * The end user behind a request, as `bot:telegram id`: a Mini App user, or someone holding a
 * Mini App login JWT who administers no bot. Null for admins, operators and API keys.
 */
export function endUserKey(principal: Principal | undefined): string | null {
  if (principal?.kind === 'mini_app') return `${principal.botId}:${principal.telegramId}`;
  if (principal?.kind === 'admin' && principal.botIds.length === 0 && principal.loginBotId !== null) {
    return `${principal.loginBotId}:${principal.telegramId}`;
  }
  return null;
}
