import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, request, type RequestOptions } from '../shared/api.ts';

const TOKEN_KEY = 'tgbase.admin.token';
const BOT_KEY = 'tgbase.admin.bot';

export interface BotChoice {
  bot_id: number;
  label: string;
}

export interface Session {
  token: string | null;
  /** Who the token says we are, from `/api/v1/admin/auth/me` (null for API keys). */
  admin: { telegram_id: number; first_name: string | null; username: string | null } | null;
  bots: BotChoice[];
  botId: number | null;
  setBotId: (botId: number) => void;
  signIn: (token: string) => void;
  signOut: () => void;
  /** Calls the API with this session's credential and the chosen bot (X-Bot-Id). */
  call: <T>(path: string, options?: RequestOptions) => Promise<T>;
  /** False until the token has been checked and the bots listed. */
  ready: boolean;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}

interface Me {
  telegram_id: number;
  first_name: string | null;
  username: string | null;
  bot_ids: number[];
}
interface BotView {
  bot_id: number;
  username: string | null;
  title: string;
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [token, setToken] = useState<string | null>(() => localStorage.getItem(TOKEN_KEY));
  const [admin, setAdmin] = useState<Session['admin']>(null);
  const [bots, setBots] = useState<BotChoice[]>([]);
  const [botId, setBotIdState] = useState<number | null>(() => Number(localStorage.getItem(BOT_KEY)) || null);
  const [ready, setReady] = useState(false);

  const signOut = useCallback(() => {
    localStorage.removeItem(TOKEN_KEY);
    setToken(null);
    setAdmin(null);
    setBots([]);
  }, []);
  const signIn = useCallback((next: string) => {
    localStorage.setItem(TOKEN_KEY, next);
    setReady(false);
    setToken(next);
  }, []);
  const setBotId = useCallback((next: number) => {
    localStorage.setItem(BOT_KEY, String(next));
    setBotIdState(next);
  }, []);

  const call = useCallback(
    <T,>(path: string, options: RequestOptions = {}) => {
      const credentials: Record<string, string> = {};
      if (token) credentials.authorization = `Bearer ${token}`;
      if (botId) credentials['x-bot-id'] = String(botId);
      return request<T>(path, credentials, options);
    },
    [token, botId],
  );

  // Who are we, and which bots may we switch between?
  useEffect(() => {
    if (!token) {
      setReady(true);
      return;
    }
    let cancelled = false;
    (async () => {
      const auth = { authorization: `Bearer ${token}` };
      // A JWT knows its admin; an API key or operator session answers /me with 401 but may list
      // bots. Only when neither works is the credential bad.
      const [me, listed] = await Promise.all([
        request<Me>('/api/v1/admin/auth/me', auth).catch(() => null),
        request<BotView[]>('/api/v2/bots', auth).catch((err) => (err instanceof ApiError && err.status === 401 ? null : ([] as BotView[]))),
      ]);
      if (!me && listed === null) throw new ApiError(401, 'Signed out', 'UNAUTHORIZED');
      const byId = new Map((listed ?? []).map((b) => [b.bot_id, b]));
      const ids = me ? me.bot_ids : (listed ?? []).map((b) => b.bot_id);
      const choices = ids.map((id) => {
        const bot = byId.get(id);
        return { bot_id: id, label: bot ? (bot.username ? `@${bot.username}` : bot.title || String(id)) : String(id) };
      });
      if (cancelled) return;
      setAdmin(me ? { telegram_id: me.telegram_id, first_name: me.first_name, username: me.username } : null);
      setBots(choices);
      setBotIdState((current) => (current && choices.some((c) => c.bot_id === current) ? current : (choices[0]?.bot_id ?? null)));
      setReady(true);
    })().catch(() => {
      if (!cancelled) {
        signOut();
        setReady(true);
      }
    });
    return () => {
      cancelled = true;
    };
  }, [token, signOut]);

  const value = useMemo<Session>(
    () => ({ token, admin, bots, botId, setBotId, signIn, signOut, call, ready }),
    [token, admin, bots, botId, setBotId, signIn, signOut, call, ready],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
