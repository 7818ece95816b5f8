import { LRUCache } from 'lru-cache';
import type { Db } from '../../db/client.ts';
import { MembersRepo } from './members.repo.ts';

export interface SeenUser {
  id: number;
  username?: string;
  first_name: string;
  language_code?: string;
}

export interface KnownUser {
  user_id: number;
  username: string | null;
  first_name: string;
  language_code: string | null;
}

/**
 * The username → id table built from the users the bots see. Every message passes through
 * `remember`, so it writes only when a user is new to this process or changed.
 */
export class MembersService {
  private readonly repo: MembersRepo;
  /** user id → fingerprint of what was last written, to skip unchanged writes. */
  private readonly written = new LRUCache<number, string>({ max: 100_000 });

  constructor(db: Db) {
    this.repo = new MembersRepo(db);
  }

  /** Stores the user as seen now; returns them as stored. */
  async remember(user: SeenUser): Promise<KnownUser> {
    const known = { user_id: user.id, username: user.username?.toLowerCase() ?? null, first_name: user.first_name, language_code: user.language_code ?? null };
    const fingerprint = `${known.username}|${known.first_name}|${known.language_code ?? ''}`;
    if (this.written.get(user.id) === fingerprint) return known;
    await this.repo.upsert({ userId: known.user_id, username: known.username, firstName: known.first_name, languageCode: known.language_code });
    this.written.set(user.id, fingerprint);
    return known;
  }

  /** The user last seen with `username` (with or without the leading @), or null. */
  async byUsername(username: string): Promise<KnownUser | null> {
    const row = await this.repo.findByUsername(username.replace(/^@/, '').toLowerCase());
    return row ? toView(row) : null;
  }

  async get(userId: number): Promise<KnownUser | null> {
    const row = await this.repo.find(userId);
    return row ? toView(row) : null;
  }
}

function toView(row: { userId: number; username: string | null; firstName: string; languageCode: string | null }): KnownUser {
  return { user_id: row.userId, username: row.username, first_name: row.firstName, language_code: row.languageCode };
}
