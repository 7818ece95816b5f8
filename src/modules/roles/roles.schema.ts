import { Type } from 'typebox';
import { TelegramId, Timestamp } from '../../platform/http.ts';

const RoleName = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_. -]+$' });
const Permission = Type.String({ pattern: '^[a-z][a-z0-9_]{1,63}$' });

export const RoleParams = Type.Object({ group_id: TelegramId, name: RoleName });
export const MemberParams = Type.Object({ group_id: TelegramId, user_id: TelegramId });

export const RoleView = Type.Object({
  id: Type.Integer(),
  group_id: TelegramId,
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  permissions: Type.Array(Type.String()),
  effective_permissions: Type.Array(Type.String()),
  priority: Type.Integer(),
  inherits_from: Type.Union([Type.String(), Type.Null()]),
  member_count: Type.Integer(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

const roleFields = {
  description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
  permissions: Type.Optional(Type.Array(Permission, { maxItems: 100 })),
  priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  inherits_from: Type.Optional(Type.Union([RoleName, Type.Null()])),
};

export const CreateRoleBody = Type.Object({ name: RoleName, ...roleFields, admin_id: Type.Optional(TelegramId) }, { additionalProperties: false });
export const UpdateRoleBody = Type.Object(
  { name: Type.Optional(RoleName), ...roleFields, admin_id: Type.Optional(TelegramId) },
  { additionalProperties: false, minProperties: 1 },
);

export const AssignRoleBody = Type.Object({ role: RoleName, admin_id: Type.Optional(TelegramId) }, { additionalProperties: false });
export const BulkAssignBody = Type.Object(
  {
    users: Type.Array(Type.Object({ user_id: TelegramId, role: RoleName }, { additionalProperties: false }), { minItems: 1, maxItems: 1000 }),
    admin_id: Type.Optional(TelegramId),
  },
  { additionalProperties: false },
);
export const Member = Type.Object({ user_id: TelegramId, role: Type.String() });
export const Standing = Type.Object({ user_id: TelegramId, role: Type.Union([Type.String(), Type.Null()]), priority: Type.Integer(), permissions: Type.Array(Type.String()) });
