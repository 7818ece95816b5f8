import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import type { Db } from '../../db/client.ts';
import { unauthorized, type Principal } from '../../platform/auth.ts';
import { forbidden } from '../../platform/errors.ts';
import type { AuthService } from '../auth/auth.service.ts';
import type { BotsService } from '../bots/bots.service.ts';
import { AdminLinkRepo } from './admin-link.repo.ts';

export interface AdminLinkOptions {
  /** The key admin JWTs are signed with (one secret for every JWT we issue). */
  jwtKey: Uint8Array;
  jwtTtlSeconds: number;
}

export interface AdminSession {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  /** True for an operator session (full access), false for a bot admin's JWT. */
  operator: boolean;
  admin: { telegram_id: number; bot_ids: number[] } | null;
}

// Each kind of token has its own issuer, so no verifier mistakes one kind for another.
const LINK_ISSUER = 'tgbase-admin-link';
const OPERATOR_ISSUER = 'tgbase-operator';
const OPERATOR = 'operator';
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/**
 * Signs a one-time admin panel login link token: for a bot admin (`telegramId`), or, when null,
 * for an operator session equal to the bootstrap API key. It needs only the signing key, not the
 * database, so `npm run admin-link` works while the server holds an embedded (PGlite) database.
 *
 * @example
 * const token = await signAdminLink(jwtKey, null, 900);
 * console.log(`http://localhost:8002/admin/#/link/${token}`);
 */
export async function signAdminLink(jwtKey: Uint8Array, telegramId: number | null, ttlSeconds: number): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(LINK_ISSUER)
    .setSubject(telegramId === null ? OPERATOR : String(telegramId))
    .setJti(randomUUID())
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(jwtKey);
}

/**
 * One-time login links for the admin panel, for local use: whoever can run `npm run admin-link`
 * on the server can read its secrets anyway, so the link grants what they could take. A link
 * for a bot admin yields the same JWT as the Telegram Login Widget; an operator link yields a
 * session that counts as the bootstrap key, for a fresh install with no bots or keys yet.
 */
export class AdminLinkService {
  private readonly repo: AdminLinkRepo;

  constructor(
    db: Db,
    private readonly auth: AuthService,
    private readonly bots: BotsService,
    private readonly options: AdminLinkOptions,
  ) {
    this.repo = new AdminLinkRepo(db);
  }

  /** Exchanges a link token for a session: forged, expired or used links are a 401. */
  async redeem(token: string): Promise<AdminSession> {
    let subject: string;
    let jti: string;
    let expiresAt: Date;
    try {
      const { payload } = await jwtVerify(token, this.options.jwtKey, { issuer: LINK_ISSUER, algorithms: ['HS256'], requiredClaims: ['jti', 'sub', 'exp'] });
      subject = payload.sub!;
      jti = payload.jti!;
      expiresAt = new Date(payload.exp! * 1000);
    } catch {
      throw unauthorized('This login link is invalid or expired');
    }
    const telegramId = subject === OPERATOR ? null : Number(subject);
    if (telegramId !== null && !Number.isSafeInteger(telegramId)) throw unauthorized('This login link is invalid or expired');
    const botIds = telegramId === null ? [] : await this.bots.botsAdministeredBy(telegramId);
    if (telegramId !== null && botIds.length === 0) throw forbidden(`Telegram user ${telegramId} is not an admin of any bot`);

    await this.repo.deleteExpired(new Date());
    if (!(await this.repo.redeemOnce(jti, expiresAt))) throw unauthorized('This login link was already used');

    const base = { token_type: 'bearer' as const, expires_in: this.options.jwtTtlSeconds };
    if (telegramId === null) {
      const access_token = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(OPERATOR_ISSUER)
        .setSubject(OPERATOR)
        .setIssuedAt()
        .setExpirationTime(`${this.options.jwtTtlSeconds}s`)
        .sign(this.options.jwtKey);
      return { ...base, access_token, operator: true, admin: null };
    }
    const access_token = await this.auth.issueToken({ telegramId, loginBotId: null });
    return { ...base, access_token, operator: false, admin: { telegram_id: telegramId, bot_ids: botIds } };
  }

  /** An operator session token → the bootstrap principal; anything else → null (not ours). */
  async operatorPrincipal(token: string): Promise<Principal | null> {
    if (!JWT_SHAPE.test(token)) return null;
    try {
      await jwtVerify(token, this.options.jwtKey, { issuer: OPERATOR_ISSUER, subject: OPERATOR, algorithms: ['HS256'] });
      return { kind: 'bootstrap' };
    } catch {
      return null;
    }
  }

  /** The bot whose Login Widget the panel shows: the first active bot that has a username. */
  async loginWidgetBot(): Promise<string | null> {
    const bots = await this.bots.list();
    return bots.find((b) => b.status === 'active' && b.username)?.username ?? null;
  }
}
