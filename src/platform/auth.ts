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
    };

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
  return principal.kind === 'bootstrap' || principal.scope === 'global';
}

/** Throws 403 unless the principal's scope covers this group with the needed access. */
export function assertGroupAccess(principal: Principal, group: { groupId: number; botId: number | null }, need: Access): void {
  if (principal.kind === 'bootstrap') return;
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
