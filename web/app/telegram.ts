/** The bits of Telegram's WebApp object the Mini App uses. */
export interface TelegramWebApp {
  initData: string;
  initDataUnsafe: { user?: { id: number; first_name?: string; username?: string; language_code?: string }; start_param?: string };
  ready(): void;
  expand(): void;
  openInvoice?(url: string, callback?: (status: 'paid' | 'cancelled' | 'failed' | 'pending') => void): void;
  openTelegramLink?(url: string): void;
  themeParams?: Record<string, string>;
}

declare global {
  interface Window {
    Telegram?: { WebApp?: TelegramWebApp };
  }
}

const SCRIPT = 'https://telegram.org/js/telegram-web-app.js';

/**
 * Loads Telegram's WebApp script when it is reachable. Outside Telegram (or offline) the app
 * still renders and explains that it needs to be opened from the bot, instead of hanging.
 */
export function loadTelegram(timeoutMs = 4000): Promise<TelegramWebApp | null> {
  if (window.Telegram?.WebApp) return Promise.resolve(window.Telegram.WebApp);
  return new Promise((resolve) => {
    const script = document.createElement('script');
    script.src = SCRIPT;
    script.async = true;
    const timer = setTimeout(() => resolve(window.Telegram?.WebApp ?? null), timeoutMs);
    script.onload = () => {
      clearTimeout(timer);
      resolve(window.Telegram?.WebApp ?? null);
    };
    script.onerror = () => {
      clearTimeout(timer);
      resolve(null);
    };
    document.head.appendChild(script);
  });
}

/**
 * Telegram hands the signed launch data in the URL fragment (`#tgWebAppData=...`), which
 * is what telegram-web-app.js reads; this is the same reading, for when that script is absent.
 */
export function initDataFromLocation(): string {
  const params = new URLSearchParams(location.hash.slice(1));
  return params.get('tgWebAppData') ?? '';
}

export function userFromInitData(initData: string): { id: number; first_name?: string; username?: string } | null {
  const raw = new URLSearchParams(initData).get('user');
  if (!raw) return null;
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}
