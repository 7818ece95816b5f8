import { createHash, createHmac, generateKeyPairSync, sign as signEd25519, type KeyObject } from 'node:crypto';
import { sign as signInitData } from '@telegram-apps/init-data-node';

/** Mini App initData for `user`, signed with the bot token as Telegram does (HMAC). */
export function miniAppInitData(token: string, user: { id: number; first_name?: string; username?: string }, options: { authDate?: Date; startParam?: string } = {}): string {
  return signInitData(
    { user: { first_name: 'Test', ...user }, query_id: `q${Math.random().toString(36).slice(2)}`, ...(options.startParam && { start_param: options.startParam }) } as never,
    token,
    options.authDate ?? new Date(),
  );
}

/** Login Widget data signed with the bot token (secret = SHA-256 of the token). */
export function loginWidgetData(token: string, user: { id: number; first_name: string; username?: string }, authDate = Math.floor(Date.now() / 1000)) {
  const fields: Record<string, string | number> = { ...user, auth_date: authDate };
  const checkString = Object.keys(fields)
    .sort()
    .map((k) => `${k}=${fields[k]}`)
    .join('\n');
  const hash = createHmac('sha256', createHash('sha256').update(token).digest()).update(checkString).digest('hex');
  return { ...fields, hash } as { id: number; first_name: string; username?: string; auth_date: number; hash: string };
}

/** A stand-in for Telegram's Ed25519 key: tests configure its public half as TELEGRAM_INIT_DATA_PUBLIC_KEY. */
export function telegramSigningKey(): { privateKey: KeyObject; publicKeyHex: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return { privateKey, publicKeyHex: der.subarray(der.length - 32).toString('hex') };
}

/** initData carrying only Telegram's third-party `signature` (no token-based hash we can check). */
export function thirdPartyInitData(privateKey: KeyObject, botId: number, user: { id: number; first_name?: string }, authDate = Math.floor(Date.now() / 1000)): string {
  const params = new URLSearchParams({ auth_date: String(authDate), query_id: 'AAE3p', user: JSON.stringify({ first_name: 'Third', ...user }) });
  const pairs = [...params.entries()].map(([k, v]) => `${k}=${v}`).sort();
  const signature = signEd25519(null, Buffer.from(`${botId}:WebAppData\n${pairs.join('\n')}`), privateKey).toString('base64url');
  params.set('signature', signature);
  params.set('hash', '0'.repeat(64));
  return params.toString();
}
