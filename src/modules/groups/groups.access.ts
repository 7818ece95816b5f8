import type { FastifyRequest } from 'fastify';
import { assertGroupAccess, principalOf, type Access } from '../../platform/auth.ts';
import type { GroupView } from './groups.service.ts';

/**
 * Resolves a group id (by default the `group_id` route parameter) to the group and checks that
 * the caller's key covers it: unknown group 404, group outside the key's scope 403.
 */
export async function groupFor(request: FastifyRequest, need: Access, groupId = (request.params as { group_id: number }).group_id): Promise<GroupView> {
  const principal = principalOf(request);
  const group = await request.server.services.groups.get(groupId);
  assertGroupAccess(principal, { groupId: group.group_id, botId: group.bot_id }, need);
  return group;
}
