import { useEffect, useRef, useState } from 'react';
import { errorText, request } from '../../shared/api.ts';
import { Card, ErrorBox } from '../../shared/ui.tsx';
import { useSession } from '../session.tsx';
import { navigate } from '../router.ts';

interface LoginOptions {
  login_widget_bot: string | null;
}
interface LoginAnswer {
  access_token: string;
}
type WidgetUser = Record<string, string | number>;

declare global {
  interface Window {
    onTelegramAuth?: (user: WidgetUser) => void;
  }
}

/** Sign in: Telegram Login Widget, a one-time link from `npm run admin-link`, or an API key. */
export function LoginPage({ linkToken }: { linkToken?: string }) {
  const { signIn } = useSession();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [apiKey, setApiKey] = useState('');
  const [widgetBot, setWidgetBot] = useState<string | null | undefined>(undefined);
  const widget = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!linkToken) return;
    setBusy(true);
    request<LoginAnswer>('/api/v1/admin/auth/link', {}, { method: 'POST', body: { token: linkToken } })
      .then((answer) => {
        signIn(answer.access_token);
        navigate('dashboard');
      })
      .catch((err) => setError(`This login link did not work: ${errorText(err)}`))
      .finally(() => setBusy(false));
  }, [linkToken, signIn]);

  useEffect(() => {
    request<LoginOptions>('/api/v1/admin/auth/options', {})
      .then((o) => setWidgetBot(o.login_widget_bot))
      .catch(() => setWidgetBot(null));
  }, []);

  useEffect(() => {
    if (!widgetBot || !widget.current) return;
    window.onTelegramAuth = (user) => {
      request<LoginAnswer>('/api/v1/admin/auth/login', {}, { method: 'POST', body: user })
        .then((answer) => signIn(answer.access_token))
        .catch((err) => setError(errorText(err)));
    };
    const script = document.createElement('script');
    script.async = true;
    script.src = 'https://telegram.org/js/telegram-widget.js?22';
    script.dataset.telegramLogin = widgetBot;
    script.dataset.size = 'large';
    script.dataset.onauth = 'onTelegramAuth(user)';
    script.dataset.requestAccess = 'write';
    script.onerror = () => setError('The Telegram Login Widget could not be loaded (offline?). Use a login link or an API key.');
    widget.current.replaceChildren(script);
  }, [widgetBot, signIn]);

  const useKey = async () => {
    setBusy(true);
    setError(null);
    try {
      await request('/api/v2/bots', { authorization: `Bearer ${apiKey.trim()}` });
      signIn(apiKey.trim());
      navigate('dashboard');
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="center">
      <div className="login">
        <h1>tgbase admin</h1>
        <ErrorBox error={error} />
        {linkToken && busy && <p className="notice">Signing in with your login link…</p>}
        <Card title="Sign in with Telegram">
          {widgetBot === undefined && <p className="muted">Loading…</p>}
          {widgetBot === null && <p className="muted">No bot with a username is registered yet, so the Login Widget is unavailable.</p>}
          <div ref={widget} />
          <p className="muted" style={{ fontSize: '0.85rem' }}>
            For local use, run <code>npm run admin-link</code> on the server and open the link it prints.
          </p>
        </Card>
        <Card title="Or use an API key">
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              void useKey();
            }}
          >
            <input type="password" aria-label="API key" placeholder="API key" value={apiKey} onChange={(e) => setApiKey(e.target.value)} style={{ flex: 1 }} />
            <button type="submit" disabled={busy || apiKey.trim().length < 16}>Sign in</button>
          </form>
        </Card>
      </div>
    </div>
  );
}
