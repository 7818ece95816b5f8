import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../db/client.ts';
import type { Cache } from '../../platform/cache.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import type { Principal } from '../../platform/auth.ts';
import { ApiKeysRepo, type ApiKeyRow } from './api-keys.repo.ts';
import type { KeyAccess, KeyScope } from './api-keys.tables.ts';

export interface CreateKeyInput {
  name: string;
  scope: KeyScope;
  bot_id?: number | null;
  group_ids?: number[] | null;
  access: KeyAccess;
}

export interface ApiKeyView {
  id: number;
  name: string;
  key_prefix: string;
  scope: KeyScope;
  bot_id: number | null;
  group_ids: number[] | null;
  access: KeyAccess;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');
/** How long a resolved key stays cached; revocation invalidates it at once. */
const KEY_CACHE_SECONDS = 60;
/** last_used_at is written at most this often per key, not on every request. */
const TOUCH_INTERVAL_MS = 60_000;

export class ApiKeysService {
  private readonly repo: ApiKeysRepo;
  private readonly bootstrapKey?: Buffer;
  private readonly lastTouched = new Map<number, number>();

  /**
   * @param operatorSession resolves tokens that stand in for the bootstrap key (the admin
   *   panel's operator sessions), so every route that takes a key takes them too.
   */
  constructor(
    db: Db,
    private readonly cache: Cache,
    bootstrapKey: string | undefined,
    private readonly operatorSession: (token: string) => Promise<Principal | null> = async () => null,
  ) {
    this.repo = new ApiKeysRepo(db);
    this.bootstrapKey = bootstrapKey ? Buffer.from(hashKey(bootstrapKey)) : undefined;
  }

  /** Creates a key; the returned `key` is shown only this once. */
  async create(input: CreateKeyInput): Promise<ApiKeyView & { key: string }> {
    if (input.scope === 'bot' && !input.bot_id) {
      throw new AppError('INVALID_SCOPE', { message: 'scope "bot" needs bot_id' });
    }
    if (input.scope === 'groups' && !input.group_ids?.length) {
      throw new AppError('INVALID_SCOPE', { message: 'scope "groups" needs a non-empty group_ids' });
    }
    const key = `tgb_${randomBytes(32).toString('base64url')}`;
    const row = await this.repo.insert({
      name: input.name,
      keyHash: hashKey(key),
      keyPrefix: key.slice(0, 10),
      scope: input.scope,
      botId: input.scope === 'bot' ? input.bot_id! : null,
      groupIds: input.scope === 'groups' ? input.group_ids! : null,
      access: input.access,
    });
    return { ...toView(row), key };
  }

  async list(): Promise<ApiKeyView[]> {
    return (await this.repo.list()).map(toView);
  }

  async revoke(id: number): Promise<ApiKeyView> {
    const row = await this.repo.revoke(id);
    if (!row) throw notFound('api key', id);
    await this.cache.invalidate(`apikey:${row.keyHash}`);
    return toView(row);
  }

  /** Resolves a presented key to its principal, or null when unknown or revoked. */
  async authenticate(presented: string): Promise<Principal | null> {
    const hash = hashKey(presented);
    if (this.bootstrapKey && timingSafeEqual(Buffer.from(hash), this.bootstrapKey)) return { kind: 'bootstrap' };
    const operator = await this.operatorSession(presented);
    if (operator) return operator;
    const principal = await this.cache.getOrLoad<Principal | null>(`apikey:${hash}`, KEY_CACHE_SECONDS, async () => {
      const row = await this.repo.findActiveByHash(hash);
      if (!row) return null;
      return { kind: 'api_key', keyId: row.id, scope: row.scope, botId: row.botId, groupIds: row.groupIds, access: row.access };
    });
    if (principal?.kind === 'api_key') this.noteUse(principal.keyId);
    return principal;
  }

  private noteUse(keyId: number): void {
    const now = Date.now();
    if (now - (this.lastTouched.get(keyId) ?? 0) < TOUCH_INTERVAL_MS) return;
    this.lastTouched.set(keyId, now);
    this.repo.touch(keyId).catch(() => this.lastTouched.delete(keyId));
  }
}

function toView(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    key_prefix: row.keyPrefix,
    scope: row.scope,
    bot_id: row.botId,
    group_ids: row.groupIds,
    access: row.access,
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    revoked_at: row.revokedAt?.toISOString() ?? null,
  };
}
