import { useState } from 'react';
import { useAction, useInterval, useLoad } from '../../shared/hooks.ts';
import { Card, ErrorBox, Table, formatDate, formatNumber } from '../../shared/ui.tsx';
import { useSession } from '../session.tsx';
import { navigate } from '../router.ts';
import type { PageProps } from '../main.tsx';
import { rowsOf } from './dashboard.tsx';

export interface Broadcast {
  public_id: string;
  status: string;
  text?: string;
  filter_type?: string;
  total_recipients?: number;
  sent_count?: number;
  failed_count?: number;
  created_at?: string;
  started_at?: string | null;
  finished_at?: string | null;
  [field: string]: unknown;
}

/**
 * The audiences a broadcast can target, each with the `GET /api/v1/admin/users/count` filter
 * that counts the same people (shown before sending).
 */
const AUDIENCES: { id: string; label: string; countFilter: string; filter: { type: 'all' | 'paid' | 'active'; active_days?: number } }[] = [
  { id: 'all', label: 'Everyone (not banned)', countFilter: 'all', filter: { type: 'all' } },
  { id: 'active_7d', label: 'Active in the last 7 days', countFilter: 'active_7d', filter: { type: 'active', active_days: 7 } },
  { id: 'active_30d', label: 'Active in the last 30 days', countFilter: 'active_30d', filter: { type: 'active', active_days: 30 } },
  { id: 'paying', label: 'Paid at least once', countFilter: 'paying', filter: { type: 'paid' } },
];
const LIVE = new Set(['queued', 'running', 'sending', 'pending', 'starting']);
const FINISHED = new Set(['completed', 'cancelled', 'failed']);

const audienceOf = (id: string) => AUDIENCES.find((a) => a.id === id) ?? AUDIENCES[0];
const textOf = (b: Broadcast) => String(b.text ?? (b.content as { text?: string } | undefined)?.text ?? '');
const total = (b: Broadcast) => Number(b.total_recipients ?? b.total ?? 0);
const done = (b: Broadcast) => Number(b.sent_count ?? b.sent ?? 0) + Number(b.failed_count ?? b.failed ?? 0);

export function BroadcastsPage({ params }: PageProps) {
  return params[0] ? <BroadcastProgress publicId={params[0]} /> : <BroadcastList />;
}

function BroadcastList() {
  const { call, botId } = useSession();
  const list = useLoad(() => call<unknown>('/api/v1/admin/broadcasts', { query: { limit: 20, offset: 0 } }).then((p) => rowsOf(p) as Broadcast[]), [botId]);
  return (
    <>
      <Compose onCreated={(b) => navigate(`broadcasts/${b.public_id}`)} />
      <Card title="History">
        <ErrorBox error={list.error} />
        <Table
          rows={list.data ?? []}
          rowKey={(b) => b.public_id}
          onRowClick={(b) => navigate(`broadcasts/${b.public_id}`)}
          columns={[
            { title: 'Created', render: (b) => formatDate(b.created_at) },
            { title: 'Message', render: (b) => textOf(b).slice(0, 80) },
            { title: 'Audience', render: (b) => b.filter_type ?? 'all' },
            { title: 'Progress', render: (b) => `${formatNumber(done(b))} / ${formatNumber(total(b))}` },
            { title: 'Status', render: (b) => <span className={`badge ${b.status}`}>{b.status}</span> },
          ]}
        />
      </Card>
    </>
  );
}

function Compose({ onCreated }: { onCreated: (b: Broadcast) => void }) {
  const { call, botId } = useSession();
  const [text, setText] = useState('');
  const [filter, setFilter] = useState('all');
  const count = useLoad(
    () => call<{ count?: number; total?: number } | number>('/api/v1/admin/users/count', { query: { filter_type: audienceOf(filter).countFilter } }).then((c) => (typeof c === 'number' ? c : (c.count ?? c.total ?? 0))),
    [botId, filter],
  );
  const create = useAction(async (start: boolean) => {
    const created = await call<Broadcast>('/api/v1/admin/broadcasts', { method: 'POST', body: { text, filter: audienceOf(filter).filter } });
    if (start) await call(`/api/v1/admin/broadcasts/${created.public_id}/start`, { method: 'POST' });
    onCreated(created);
  });
  return (
    <Card title="New broadcast">
      <div className="grid-2">
        <div>
          <label className="field">Message (HTML allowed)<textarea aria-label="Message" value={text} maxLength={4096} onChange={(e) => setText(e.target.value)} /></label>
          <label className="field" style={{ marginTop: 8 }}>
            Audience
            <select aria-label="Audience" value={filter} onChange={(e) => setFilter(e.target.value)}>
              {AUDIENCES.map((a) => <option key={a.id} value={a.id}>{a.label}</option>)}
            </select>
          </label>
          <p data-testid="recipient-count">
            {count.error ? <span className="error">{count.error}</span> : count.loading ? 'Counting…' : <><b>{formatNumber(count.data)}</b> recipients</>}
          </p>
          <div className="row">
            <button disabled={create.running || !text.trim() || !count.data} onClick={() => void create.run(true)}>Send now</button>
            <button className="secondary" disabled={create.running || !text.trim()} onClick={() => void create.run(false)}>Save as draft</button>
          </div>
          <ErrorBox error={create.error} />
        </div>
        <div>
          <span className="muted" style={{ fontSize: '0.85rem' }}>Preview</span>
          {/* Telegram renders a small HTML subset; the preview shows the same tags. */}
          <div className="preview" data-testid="preview" dangerouslySetInnerHTML={{ __html: sanitize(text) || '<span class="muted">Your message</span>' }} />
        </div>
      </div>
    </Card>
  );
}

/** Keeps Telegram's HTML subset (b, i, u, s, a, code, pre); escapes everything else. */
export function sanitize(html: string): string {
  const escaped = html.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return escaped
    .replace(/&lt;(\/?)(b|strong|i|em|u|s|del|code|pre)&gt;/g, '<$1$2>')
    .replace(/&lt;a href="(https?:\/\/[^"<>]+)"&gt;/g, '<a href="$1" target="_blank" rel="noreferrer">')
    .replace(/&lt;\/a&gt;/g, '</a>');
}

function BroadcastProgress({ publicId }: { publicId: string }) {
  const { call } = useSession();
  const path = `/api/v1/admin/broadcasts/${publicId}`;
  const broadcast = useLoad(() => call<Broadcast>(path), [publicId]);
  const b = broadcast.data;
  // Polled once a second while sending: the page shows progress without a socket of its own.
  useInterval(broadcast.reload, 1000, !!b && !FINISHED.has(b.status) && b.status !== 'draft');
  const act = useAction(async (verb: 'start' | 'cancel') => {
    await call(`${path}/${verb}`, { method: 'POST' });
    broadcast.reload();
  });
  const pct = b && total(b) > 0 ? Math.round((done(b) / total(b)) * 100) : 0;
  return (
    <>
      <p><a href="#/broadcasts">‹ All broadcasts</a></p>
      <ErrorBox error={broadcast.error ?? act.error} />
      {b && (
        <Card
          title={<>Broadcast <span className="mono">{b.public_id}</span></>}
          actions={
            <>
              <span className={`badge ${b.status}`} data-testid="broadcast-status">{b.status}</span>
              {b.status === 'draft' && <button onClick={() => void act.run('start')} disabled={act.running}>Start</button>}
              {(LIVE.has(b.status) || b.status === 'draft') && <button className="danger" onClick={() => void act.run('cancel')} disabled={act.running}>Cancel</button>}
            </>
          }
        >
          <div className="progress" aria-label="Progress"><span style={{ width: `${pct}%` }} /></div>
          <p data-testid="broadcast-progress">
            {formatNumber(Number(b.sent_count ?? b.sent ?? 0))} sent · {formatNumber(Number(b.failed_count ?? b.failed ?? 0))} failed · {formatNumber(total(b))} recipients ({pct}%)
          </p>
          <div className="preview" dangerouslySetInnerHTML={{ __html: sanitize(textOf(b)) }} />
          <p className="muted">Created {formatDate(b.created_at)} · started {formatDate(b.started_at)} · finished {formatDate(b.finished_at)}</p>
        </Card>
      )}
    </>
  );
}
