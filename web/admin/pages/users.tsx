import { useState } from 'react';
import { useAction, useLoad } from '../../shared/hooks.ts';
import { Card, ErrorBox, Pager, Table, formatDate, formatNumber } from '../../shared/ui.tsx';
import { useSession } from '../session.tsx';
import { navigate } from '../router.ts';
import type { PageProps } from '../main.tsx';
import { rowsOf } from './dashboard.tsx';

interface User {
  telegram_id: number;
  username: string | null;
  first_name: string | null;
  referral_code?: string;
  balance?: number;
  is_banned?: boolean;
  ban_reason?: string | null;
  created_at?: string;
  last_seen_at?: string | null;
  [field: string]: unknown;
}
type Row = Record<string, unknown>;
interface Details {
  user: User;
  payments?: { count: number; stars: number };
  /** The newest ledger entries: the balance history. */
  recent_ledger?: Row[];
}

const LIMIT = 50;
const name = (u: User) => [u.first_name, u.username && `@${u.username}`].filter(Boolean).join(' ') || '—';

export function UsersPage({ params }: PageProps) {
  return params[0] ? <UserDetails telegramId={Number(params[0])} /> : <UserList />;
}

function UserList() {
  const { call, botId } = useSession();
  const [query, setQuery] = useState('');
  const [submitted, setSubmitted] = useState('');
  const [offset, setOffset] = useState(0);
  const list = useLoad(async () => {
    const payload = await call<unknown>('/api/v1/admin/users', { query: { query: submitted, offset, limit: LIMIT } });
    const total = (payload as { total?: number }).total;
    const rows = rowsOf(payload) as User[];
    return { rows, total: total ?? rows.length };
  }, [botId, submitted, offset]);

  return (
    <Card>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          setOffset(0);
          setSubmitted(query.trim());
        }}
      >
        <input aria-label="Search users" placeholder="Telegram id or referral code" value={query} onChange={(e) => setQuery(e.target.value)} style={{ flex: 1 }} />
        <button type="submit">Search</button>
      </form>
      <ErrorBox error={list.error} />
      <Table
        rows={list.data?.rows ?? []}
        rowKey={(u) => u.telegram_id}
        onRowClick={(u) => navigate(`users/${u.telegram_id}`)}
        empty={list.loading ? 'Loading…' : 'No users found.'}
        columns={[
          { title: 'Telegram id', render: (u) => <span className="mono">{u.telegram_id}</span> },
          { title: 'Name', render: name },
          { title: 'Balance', render: (u) => formatNumber(u.balance) },
          { title: 'Status', render: (u) => (u.is_banned ? <span className="badge banned">banned</span> : <span className="badge ok">active</span>) },
          { title: 'Joined', render: (u) => formatDate(u.created_at) },
        ]}
      />
      <Pager offset={offset} limit={LIMIT} total={list.data?.total ?? 0} onChange={setOffset} />
    </Card>
  );
}

function UserDetails({ telegramId }: { telegramId: number }) {
  const { call, botId } = useSession();
  const base = `/api/v1/admin/users/${telegramId}`;
  const details = useLoad(() => call<Details>(base), [botId, telegramId]);
  const payments = useLoad(() => call<unknown>(`${base}/payments`, { query: { limit: 10 } }).then(rowsOf), [botId, telegramId]);
  const generations = useLoad(() => call<unknown>(`${base}/generations`, { query: { limit: 10 } }).then(rowsOf), [botId, telegramId]);
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [notice, setNotice] = useState<string | null>(null);

  const refresh = details.reload;
  const ban = useAction(async (banned: boolean) => {
    await call(`${base}/${banned ? 'ban' : 'unban'}`, { method: 'POST', body: banned ? { reason: reason || undefined } : {} });
    setNotice(banned ? 'User banned.' : 'User unbanned.');
    refresh();
  });
  const credit = useAction(async () => {
    const value = Number(amount);
    if (!Number.isInteger(value) || value === 0) throw new Error('Enter a whole, non-zero number of credits (negative to deduct).');
    await call('/api/v1/admin/credits', { method: 'POST', body: { telegram_id: telegramId, amount: value, reason: reason || 'admin adjustment' } });
    setNotice(`${value > 0 ? 'Added' : 'Deducted'} ${Math.abs(value)} credits.`);
    setAmount('');
    refresh();
  });

  const u = details.data?.user;
  const ledger = details.data?.recent_ledger;
  return (
    <>
      <p><a href="#/users">‹ All users</a></p>
      <ErrorBox error={details.error} />
      {notice && <p className="notice">{notice}</p>}
      {u && (
        <Card title={<>{name(u)} <span className="mono muted">{u.telegram_id}</span></>} actions={u.is_banned ? <span className="badge banned">banned</span> : <span className="badge ok">active</span>}>
          <div className="stats">
            <div className="stat"><span>Balance</span><strong data-testid="balance">{formatNumber(u.balance)}</strong></div>
            <div className="stat"><span>Paid</span><strong>{formatNumber(details.data?.payments?.stars)} ⭐ <small className="muted">({formatNumber(details.data?.payments?.count)})</small></strong></div>
            <div className="stat"><span>Referral code</span><strong className="mono">{u.referral_code ?? '—'}</strong></div>
            <div className="stat"><span>Joined</span><strong style={{ fontSize: '0.95rem' }}>{formatDate(u.created_at)}</strong></div>
            <div className="stat"><span>Last seen</span><strong style={{ fontSize: '0.95rem' }}>{formatDate(u.last_seen_at)}</strong></div>
          </div>
          {u.ban_reason && <p className="muted">Ban reason: {u.ban_reason}</p>}
          <div className="row">
            <label className="field">Credits (+/−)<input inputMode="numeric" value={amount} onChange={(e) => setAmount(e.target.value)} placeholder="e.g. 500 or -100" /></label>
            <label className="field" style={{ flex: 1 }}>Reason<input value={reason} onChange={(e) => setReason(e.target.value)} placeholder="Shown in the ledger" /></label>
            <button onClick={() => void credit.run()} disabled={credit.running || !amount}>Adjust credits</button>
            {u.is_banned ? (
              <button className="secondary" onClick={() => void ban.run(false)} disabled={ban.running}>Unban</button>
            ) : (
              <button className="danger" onClick={() => void ban.run(true)} disabled={ban.running}>Ban</button>
            )}
          </div>
          <ErrorBox error={credit.error ?? ban.error} />
        </Card>
      )}
      <Card title="Balance history">
        {ledger === undefined ? (
          <p className="muted">{details.loading ? 'Loading…' : 'No balance history on this server.'}</p>
        ) : (
          <Table
            rows={ledger}
            rowKey={(r) => String(r.id ?? r.created_at)}
            columns={[
              { title: 'When', render: (r) => formatDate(r.created_at as string) },
              { title: 'Type', render: (r) => <span className="badge">{String(r.type ?? r.entry_type ?? '')}</span> },
              { title: 'Amount', render: (r) => <b style={{ color: Number(r.amount) < 0 ? 'var(--danger)' : 'var(--ok)' }}>{Number(r.amount) > 0 ? '+' : ''}{formatNumber(Number(r.amount))}</b> },
              { title: 'Balance after', render: (r) => formatNumber(r.balance_after as number | undefined) },
              { title: 'Note', render: (r) => String(r.reason ?? r.description ?? r.reference ?? '') },
            ]}
          />
        )}
      </Card>
      <div className="grid-2">
        <Card title="Payments">
          <ErrorBox error={payments.error} />
          <Table
            rows={payments.data ?? []}
            rowKey={(r: Row) => String(r.id ?? r.charge_id ?? r.bill_id)}
            columns={[
              { title: 'When', render: (r) => formatDate((r.created_at ?? r.date) as string) },
              { title: 'Stars', render: (r) => formatNumber(Number(r.amount ?? r.stars ?? 0)) },
              { title: 'Credits', render: (r) => formatNumber(r.credits as number | undefined) },
              { title: 'Status', render: (r) => <span className={`badge ${String(r.status ?? '').toLowerCase()}`}>{String(r.status ?? '')}</span> },
            ]}
          />
        </Card>
        <Card title="Generations">
          <ErrorBox error={generations.error} />
          <Table
            rows={generations.data ?? []}
            rowKey={(r: Row) => String(r.id ?? r.public_id)}
            columns={[
              { title: 'When', render: (r) => formatDate(r.created_at as string) },
              { title: 'Model', render: (r) => String(r.model_id ?? r.model ?? (r.meta as Row | undefined)?.model_id ?? r.reason ?? '') },
              { title: 'Credits', render: (r) => formatNumber(Math.abs(Number(r.cost ?? r.credits ?? r.amount ?? 0))) },
              { title: 'Status', render: (r) => (r.status ? <span className={`badge ${String(r.status)}`}>{String(r.status)}</span> : '') },
            ]}
          />
        </Card>
      </div>
    </>
  );
}
