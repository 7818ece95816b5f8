import { createHash, createHmac, createPublicKey, timingSafeEqual, verify as verifySignature, type KeyObject } from 'node:crypto';
import { isExpiredError, isSignatureInvalidError, parse as parseInitData, validate as validateInitData } from '@telegram-apps/init-data-node';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { lt } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { unauthorized, type Principal } from '../../platform/auth.ts';
import { forbidden } from '../../platform/errors.ts';
import type { BotsService } from '../bots/bots.service.ts';
import type { UserView, UsersService } from '../users/users.service.ts';
import { loginReplays } from './auth.tables.ts';

export interface AuthOptions {
  jwtKey: Uint8Array;
  jwtTtlSeconds: number;
  /** Oldest auth_date accepted (initData and Login Widget), seconds. */
  maxAgeSeconds: number;
  /** Ed25519 public key (32 bytes, hex) Telegram signs initData `signature` with. */
  initDataPublicKeyHex: string;
}

/** A Mini App launch whose initData checked out. */
export interface VerifiedInitData {
  botId: number;
  user: { id: number; first_name?: string; last_name?: string; username?: string; language_code?: string; is_premium?: boolean };
  startParam: string | null;
  hash: string;
  authDate: Date;
}

export interface LoginWidgetData {
  id: number;
  first_name: string;
  last_name?: string;
  username?: string;
  photo_url?: string;
  auth_date: number;
  hash: string;
}

const ISSUER = 'tgbase';
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

const invalidInitData = (why: string) => unauthorized(`Invalid initData: ${why}`);

/**
 * Telegram logins: Mini App initData (HMAC with the bot token, or Telegram's Ed25519 signature
 * for bots whose token we lack), the Login Widget for admins, and the JWTs we issue for both.
 */
export class AuthService {
  private readonly publicKey: KeyObject;

  constructor(
    private readonly db: Db,
    private readonly bots: BotsService,
    private readonly users: UsersService,
    private readonly options: AuthOptions,
  ) {
    this.publicKey = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, Buffer.from(options.initDataPublicKeyHex, 'hex')]), format: 'der', type: 'spki' });
  }

  /**
   * Checks raw initData against the bot named by `botIdHint`, or else every registered bot, and
   * rejects forged or stale data with 401.
   */
  async verifyInitData(raw: string, botIdHint?: number): Promise<VerifiedInitData> {
    const params = new URLSearchParams(raw);
    const hash = params.get('hash');
    if (!hash && !params.get('signature')) throw invalidInitData('hash is missing');
    const authDate = Number(params.get('auth_date'));
    if (!Number.isInteger(authDate) || authDate <= 0) throw invalidInitData('auth_date is missing');
    this.assertFresh(authDate);

    const credentials = await this.bots.credentials();
    const candidates = botIdHint === undefined ? credentials : credentials.filter((c) => c.botId === botIdHint);
    let botId: number | undefined;
    for (const candidate of candidates) {
      if (!hash) break;
      try {
        validateInitData(raw, candidate.token, { expiresIn: this.options.maxAgeSeconds });
        botId = candidate.botId;
        break;
      } catch (err) {
        if (isExpiredError(err)) throw unauthorized('initData has expired');
        if (!isSignatureInvalidError(err)) throw invalidInitData((err as Error).message);
      }
    }
    if (botId === undefined && params.get('signature')) {
      const ids = botIdHint !== undefined ? [botIdHint] : (await this.bots.list()).filter((b) => b.status === 'active').map((b) => b.bot_id);
      botId = ids.find((id) => this.hasTelegramSignature(params, id));
    }
    if (botId === undefined) throw invalidInitData('signature does not match');

    let parsed;
    try {
      parsed = parseInitData(raw);
    } catch (err) {
      throw invalidInitData(`malformed (${(err as Error).message})`);
    }
    if (!parsed.user) throw invalidInitData('no user');
    return {
      botId,
      user: {
        id: parsed.user.id,
        first_name: parsed.user.first_name,
        last_name: parsed.user.last_name,
        username: parsed.user.username,
        language_code: parsed.user.language_code,
        is_premium: parsed.user.is_premium,
      },
      startParam: parsed.start_param ?? null,
      hash: hash ?? params.get('signature')!,
      authDate: new Date(authDate * 1000),
    };
  }

  /** Third-party validation: Telegram's Ed25519 signature over `<bot_id>:WebAppData\n<pairs>`. */
  private hasTelegramSignature(params: URLSearchParams, botId: number): boolean {
    const signature = params.get('signature');
    if (!signature) return false;
    const pairs = [...params.entries()].filter(([k]) => k !== 'hash' && k !== 'signature').map(([k, v]) => `${k}=${v}`).sort();
    const message = Buffer.from(`${botId}:WebAppData\n${pairs.join('\n')}`);
    try {
      return verifySignature(null, message, this.publicKey, Buffer.from(signature, 'base64url'));
    } catch {
      return false;
    }
  }

  private assertFresh(authDateSeconds: number): void {
    const age = Date.now() / 1000 - authDateSeconds;
    if (age > this.options.maxAgeSeconds) throw unauthorized('initData has expired');
    if (age < -300) throw unauthorized('auth_date is in the future');
  }

  /** `X-Telegram-Init-Data`: the Mini App user, scoped to their own data in that bot. */
  async principalFromInitData(raw: string, botIdHint?: number): Promise<Principal> {
    const verified = await this.verifyInitData(raw, botIdHint);
    return { kind: 'mini_app', botId: verified.botId, telegramId: verified.user.id };
  }

  /**
   * Seed 002's login: initData in, the synced user and a JWT out. Each initData logs in once; a
   * captured one replayed within its freshness window is refused.
   */
  async loginWithInitData(raw: string, botIdHint?: number): Promise<{ user: UserView; token: string; bot_ids: number[] }> {
    const verified = await this.verifyInitData(raw, botIdHint);
    const expiresAt = new Date(verified.authDate.getTime() + this.options.maxAgeSeconds * 1000);
    await this.db.delete(loginReplays).where(lt(loginReplays.expiresAt, new Date()));
    const inserted = await this.db
      .insert(loginReplays)
      .values({ hash: createHash('sha256').update(`${verified.botId}:${verified.hash}`).digest('hex'), expiresAt })
      .onConflictDoNothing()
      .returning({ hash: loginReplays.hash });
    if (inserted.length === 0) throw unauthorized('This initData was already used to log in');
    const { user } = await this.users.sync(verified.botId, { telegram_id: verified.user.id, ...verified.user }, verified.startParam);
    const botIds = await this.bots.botsAdministeredBy(verified.user.id);
    const token = await this.issueToken({ telegramId: verified.user.id, loginBotId: verified.botId, firstName: verified.user.first_name, username: verified.user.username });
    return { user, token, bot_ids: botIds };
  }

  /** Admin login with Telegram Login Widget data: only owner admins of some bot get a token. */
  async loginWithWidget(data: LoginWidgetData, botIdHint?: number) {
    this.assertFresh(data.auth_date);
    const { hash, ...fields } = data;
    const checkString = Object.entries(fields)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join('\n');
    const given = Buffer.from(hash, 'hex');
    const credentials = (await this.bots.credentials()).filter((c) => botIdHint === undefined || c.botId === botIdHint);
    const signedBy = credentials.find((c) => {
      const secret = createHash('sha256').update(c.token).digest();
      const expected = createHmac('sha256', secret).update(checkString).digest();
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
    if (!signedBy) throw unauthorized('Invalid Telegram login data');
    const botIds = await this.bots.botsAdministeredBy(data.id);
    if (botIds.length === 0) throw forbidden('This Telegram user is not an admin of any bot');
    const access_token = await this.issueToken({ telegramId: data.id, loginBotId: null, firstName: data.first_name, username: data.username });
    return {
      access_token,
      token_type: 'bearer' as const,
      expires_in: this.options.jwtTtlSeconds,
      admin: { telegram_id: data.id, first_name: data.first_name, username: data.username ?? null, bot_ids: botIds },
    };
  }

  async issueToken(claims: { telegramId: number; loginBotId: number | null; firstName?: string; username?: string }): Promise<string> {
    return new SignJWT({ bot_id: claims.loginBotId, first_name: claims.firstName, username: claims.username })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(String(claims.telegramId))
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(`${this.options.jwtTtlSeconds}s`)
      .sign(this.options.jwtKey);
  }

  /** A JWT we issued → the Telegram user, with the bots they administer right now. */
  async principalFromJwt(token: string): Promise<Principal & { kind: 'admin' }> {
    try {
      const { payload } = await jwtVerify(token, this.options.jwtKey, { issuer: ISSUER, algorithms: ['HS256'] });
      const telegramId = Number(payload.sub);
      if (!Number.isSafeInteger(telegramId)) throw unauthorized('Invalid token');
      const loginBotId = typeof payload.bot_id === 'number' ? payload.bot_id : null;
      return { kind: 'admin', telegramId, botIds: await this.bots.botsAdministeredBy(telegramId), loginBotId };
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw unauthorized('Token has expired');
      if (err instanceof joseErrors.JOSEError) throw unauthorized('Invalid token');
      throw err;
    }
  }

  /** Claims for `GET /admin/auth/me`. */
  async me(token: string) {
    const { payload } = await jwtVerify(token, this.options.jwtKey, { issuer: ISSUER, algorithms: ['HS256'] });
    const telegramId = Number(payload.sub);
    const botIds = await this.bots.botsAdministeredBy(telegramId);
    return {
      telegram_id: telegramId,
      first_name: (payload.first_name as string | undefined) ?? null,
      username: (payload.username as string | undefined) ?? null,
      bot_ids: botIds,
      expires_at: new Date((payload.exp ?? 0) * 1000).toISOString(),
    };
  }
}
