import { StrictMode, useCallback, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import '../shared/style.css';
import './app.css';
import { errorText, request, type RequestOptions } from '../shared/api.ts';
import { useAction, useInterval, useLoad } from '../shared/hooks.ts';
import { ErrorBox } from '../shared/ui.tsx';
import { initDataFromLocation, loadTelegram, userFromInitData, type TelegramWebApp } from './telegram.ts';

interface Launch {
  webApp: TelegramWebApp | null;
  initData: string;
  userId: number;
  firstName: string;
  startParam: string | null;
}
interface StarsOptions {
  options: { id: string; stars: number; credits: number }[];
}
interface Model {
  model_id: string;
  name: string;
  credits?: number;
  price?: number;
  description?: string | null;
  [field: string]: unknown;
}
interface Generation {
  id: string | number;
  public_id?: string;
  status: string;
  model_id?: string;
  prompt?: string;
  cost?: number;
  error?: string | null;
  results?: string[] | { url: string }[];
  [field: string]: unknown;
}
interface Referrals {
  referral_code: string;
  referral_link: string | null;
  referrals_count: number;
  referral_earnings: number;
  ref_percent: number;
}

const DONE = new Set(['completed', 'failed', 'cancelled', 'refunded']);
const listOf = <T,>(p: unknown): T[] => (Array.isArray(p) ? p : ((p as { items?: T[]; models?: T[] })?.items ?? (p as { models?: T[] })?.models ?? []));
const idOf = (g: Generation) => String(g.public_id ?? g.id);
const priceOf = (m: Model) => Number(m.credits ?? m.price ?? 0);
const urlsOf = (r: unknown): string[] => listOf<string | { url: string }>(r ?? []).map((x) => (typeof x === 'string' ? x : x.url)).filter(Boolean);

function App() {
  const [launch, setLaunch] = useState<Launch | null | undefined>(undefined);
  useEffect(() => {
    loadTelegram().then((webApp) => {
      webApp?.ready();
      webApp?.expand();
      const initData = webApp?.initData || initDataFromLocation();
      const user = (webApp?.initData ? webApp.initDataUnsafe.user : null) ?? userFromInitData(initData);
      if (!initData || !user) return setLaunch(null);
      setLaunch({ webApp, initData, userId: user.id, firstName: user.first_name ?? '', startParam: new URLSearchParams(initData).get('start_param') });
    });
  }, []);
  if (launch === undefined) return <p className="center muted">Loading…</p>;
  if (launch === null)
    return (
      <div className="center">
        <div className="login">
          <h1>Open this from Telegram</h1>
          <p className="muted">This Mini App needs the launch data Telegram provides. Open it from the bot's menu button.</p>
        </div>
      </div>
    );
  return <MiniApp launch={launch} />;
}

function MiniApp({ launch }: { launch: Launch }) {
  const call = useCallback(<T,>(path: string, options?: RequestOptions) => request<T>(path, { 'x-telegram-init-data': launch.initData }, options), [launch.initData]);
  const me = launch.userId;
  const [tab, setTab] = useState<'create' | 'credits' | 'invite'>('create');
  const [synced, setSynced] = useState<string | null>(null);

  // First contact creates the user (and records who referred them) before anything else asks.
  useEffect(() => {
    call('/api/v1/users/sync', { method: 'POST', body: { telegram_id: me, first_name: launch.firstName, start_param: launch.startParam } })
      .then(() => setSynced('ok'))
      .catch((err) => setSynced(errorText(err)));
  }, [call, me, launch.firstName, launch.startParam]);

  const balance = useLoad(() => (synced ? call<{ balance: number }>(`/api/v1/users/${me}/balance`) : Promise.resolve(undefined)), [synced]);
  if (!synced) return <p className="center muted">Loading…</p>;
  return (
    <div className="miniapp">
      <header className="balance-bar">
        <span>Hi, {launch.firstName || 'there'}</span>
        <strong data-testid="balance">{balance.data ? `${balance.data.balance.toLocaleString()} credits` : '…'}</strong>
      </header>
      {synced !== 'ok' && <ErrorBox error={synced} />}
      <nav className="tabs">
        {(['create', 'credits', 'invite'] as const).map((t) => (
          <button key={t} className={tab === t ? '' : 'secondary'} onClick={() => setTab(t)}>
            {{ create: 'Create', credits: 'Buy credits', invite: 'Invite' }[t]}
          </button>
        ))}
      </nav>
      {tab === 'create' && <Create call={call} me={me} onSpent={balance.reload} />}
      {tab === 'credits' && <BuyCredits call={call} me={me} webApp={launch.webApp} onPaid={balance.reload} />}
      {tab === 'invite' && <Invite call={call} me={me} />}
    </div>
  );
}

type Call = <T>(path: string, options?: RequestOptions) => Promise<T>;

function Create({ call, me, onSpent }: { call: Call; me: number; onSpent: () => void }) {
  const models = useLoad(() => call<unknown>('/api/v1/models').then((p) => listOf<Model>(p)), []);
  const [modelId, setModelId] = useState('');
  const [prompt, setPrompt] = useState('');
  const [current, setCurrent] = useState<Generation | null>(null);
  const [results, setResults] = useState<string[]>([]);
  const model = models.data?.find((m) => m.model_id === modelId) ?? models.data?.[0];

  const submit = useAction(async () => {
    if (!model) return;
    setResults([]);
    const generation = await call<Generation>('/api/v1/generations/submit', { method: 'POST', body: { telegram_id: me, model_id: model.model_id, prompt } });
    setCurrent(generation);
    onSpent();
  });
  const poll = useCallback(async () => {
    if (!current) return;
    const next = await call<Generation>(`/api/v1/generations/${idOf(current)}`, { query: { telegram_id: me } });
    setCurrent(next);
    if (next.status === 'completed') {
      const r = next.results ? urlsOf(next.results) : urlsOf(await call<unknown>(`/api/v1/generations/${idOf(next)}/results`, { query: { telegram_id: me } }));
      setResults(r);
    }
    if (DONE.has(next.status)) onSpent();
  }, [call, current, me, onSpent]);
  useInterval(() => void poll().catch(() => undefined), 2000, !!current && !DONE.has(current.status));

  return (
    <section className="card">
      <ErrorBox error={models.error} />
      <div className="models">
        {(models.data ?? []).map((m) => (
          <button key={m.model_id} className={m === model ? '' : 'secondary'} onClick={() => setModelId(m.model_id)}>
            {m.name}
            <small>{priceOf(m)} credits</small>
          </button>
        ))}
      </div>
      <label className="field" style={{ marginTop: 10 }}>
        What should it draw?
        <textarea aria-label="Prompt" value={prompt} maxLength={2000} onChange={(e) => setPrompt(e.target.value)} placeholder="A lighthouse at dawn, watercolor" />
      </label>
      <button style={{ width: '100%', marginTop: 8 }} disabled={!model || !prompt.trim() || submit.running || (!!current && !DONE.has(current.status))} onClick={() => void submit.run()}>
        Generate{model ? ` · ${priceOf(model)} credits` : ''}
      </button>
      <ErrorBox error={submit.error} />
      {current && (
        <div style={{ marginTop: 12 }}>
          <p>
            Status: <span className={`badge ${current.status}`} data-testid="generation-status">{current.status}</span>
            {!DONE.has(current.status) && <span className="muted"> — this usually takes under a minute</span>}
          </p>
          {current.error && <p className="error">{current.error}</p>}
          <div className="results">
            {results.map((url) => (
              <a key={url} href={url} target="_blank" rel="noreferrer"><img src={url} alt="Result" /></a>
            ))}
          </div>
        </div>
      )}
    </section>
  );
}

function BuyCredits({ call, me, webApp, onPaid }: { call: Call; me: number; webApp: TelegramWebApp | null; onPaid: () => void }) {
  const options = useLoad(() => call<StarsOptions>('/api/v1/payments/stars/options'), []);
  const [notice, setNotice] = useState<string | null>(null);
  const buy = useAction(async (optionId: string) => {
    const invoice = await call<{ invoice_link: string }>('/api/v1/payments/stars/invoice', { method: 'POST', body: { telegram_id: me, option_id: optionId } });
    if (webApp?.openInvoice) {
      webApp.openInvoice(invoice.invoice_link, (status) => {
        setNotice(status === 'paid' ? 'Paid — credits are on their way.' : `Payment ${status}.`);
        // The bot confirms the payment when Telegram reports it; the balance follows shortly.
        if (status === 'paid') setTimeout(onPaid, 1500);
      });
    } else {
      window.open(invoice.invoice_link, '_blank');
    }
  });
  return (
    <section className="card">
      <ErrorBox error={options.error ?? buy.error} />
      {notice && <p className="notice">{notice}</p>}
      <div className="packages">
        {(options.data?.options ?? []).map((o) => (
          <button key={o.id} className="secondary package" disabled={buy.running} onClick={() => void buy.run(o.id)}>
            <strong>{o.credits.toLocaleString()} credits</strong>
            <span>{o.stars} ⭐</span>
          </button>
        ))}
      </div>
    </section>
  );
}

function Invite({ call, me }: { call: Call; me: number }) {
  const referrals = useLoad(() => call<Referrals>(`/api/v1/referrals/${me}`), []);
  const [copied, setCopied] = useState(false);
  const r = referrals.data;
  return (
    <section className="card">
      <ErrorBox error={referrals.error} />
      {r && (
        <>
          <p>Invite friends and get {r.ref_percent}% of what they buy, in credits.</p>
          <code className="secret" data-testid="referral-link">{r.referral_link ?? r.referral_code}</code>
          <button
            style={{ marginTop: 8 }}
            onClick={() => {
              void navigator.clipboard?.writeText(r.referral_link ?? r.referral_code);
              setCopied(true);
            }}
          >
            {copied ? 'Copied' : 'Copy link'}
          </button>
          <p className="muted">{r.referrals_count} friends joined · {r.referral_earnings.toLocaleString()} credits earned</p>
        </>
      )}
    </section>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
