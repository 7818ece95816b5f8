import { useState } from 'react';
import { BarList, LineChart, type Series } from '../../shared/charts.tsx';
import { useLoad } from '../../shared/hooks.ts';
import { Card, ErrorBox, Stat } from '../../shared/ui.tsx';
import { useSession } from '../session.tsx';

type Row = Record<string, unknown>;

/** Chart routes answer a list of daily rows, bare or wrapped; this finds the list. */
export function rowsOf(payload: unknown): Row[] {
  if (Array.isArray(payload)) return payload as Row[];
  if (payload && typeof payload === 'object') {
    for (const key of ['items', 'data', 'days', 'daily', 'rows', 'models']) {
      const inner = (payload as Row)[key];
      if (Array.isArray(inner)) return inner as Row[];
    }
  }
  return [];
}

const COLORS = ['#2481cc', '#2e9e5b', '#d93f3f', '#c98a12', '#8e44ad', '#16a3a3'];
const humanize = (key: string) => key.replace(/_/g, ' ');

/** One line per numeric column of the daily rows. */
function seriesOf(rows: Row[]): { labels: string[]; series: Series[] } {
  const labels = rows.map((r) => String(r.date ?? r.day ?? '').slice(5, 10));
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r).filter((k) => typeof r[k] === 'number')))];
  return { labels, series: keys.map((k, i) => ({ name: humanize(k), color: COLORS[i % COLORS.length], values: rows.map((r) => Number(r[k] ?? 0)) })) };
}

/** Top-level numbers of the stats answer (one level of nesting flattened). */
function statsOf(payload: unknown): [string, number][] {
  const out: [string, number][] = [];
  const visit = (value: unknown, prefix: string) => {
    if (typeof value === 'number') out.push([prefix, value]);
    else if (value && typeof value === 'object' && !Array.isArray(value) && prefix.split(' ').length < 2)
      for (const [k, v] of Object.entries(value)) visit(v, prefix ? `${prefix} ${humanize(k)}` : humanize(k));
  };
  visit(payload, '');
  return out;
}

const CHARTS = [
  { path: 'users-daily', title: 'New users' },
  { path: 'revenue-daily', title: 'Revenue (Stars)' },
  { path: 'generations-daily', title: 'Generations' },
];

const dayMs = 86_400_000;
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

export function DashboardPage() {
  const { call, botId } = useSession();
  const [end, setEnd] = useState(() => isoDay(new Date()));
  const [start, setStart] = useState(() => isoDay(new Date(Date.now() - 29 * dayMs)));
  const days = Math.max(1, Math.min(365, Math.round((Date.parse(end) - Date.parse(start)) / dayMs) + 1));
  const query = { days };

  const stats = useLoad(() => call<unknown>('/api/v1/admin/stats', { query }), [botId, days]);
  const charts = useLoad(
    () => Promise.all(CHARTS.map((c) => call<unknown>(`/api/v1/admin/charts/${c.path}`, { query }).then(rowsOf, () => null))),
    [botId, days],
  );
  const payments = useLoad(() => call<unknown>('/api/v1/admin/payments/daily', { query }).then(rowsOf), [botId, days]);
  const models = useLoad(() => call<unknown>('/api/v1/admin/charts/models-breakdown', { query }).then(rowsOf), [botId, days]);

  const preset = (n: number) => {
    setEnd(isoDay(new Date()));
    setStart(isoDay(new Date(Date.now() - (n - 1) * dayMs)));
  };

  return (
    <div data-testid="dashboard">
      <Card>
        <div className="row">
          <label className="field">From<input type="date" value={start} max={end} onChange={(e) => e.target.value && setStart(e.target.value)} /></label>
          <label className="field">To<input type="date" value={end} min={start} onChange={(e) => e.target.value && setEnd(e.target.value)} /></label>
          {[7, 30, 90].map((n) => (
            <button key={n} className="secondary" onClick={() => preset(n)}>{n} days</button>
          ))}
        </div>
      </Card>
      <ErrorBox error={stats.error} />
      <div className="stats">
        {statsOf(stats.data).map(([label, value]) => (
          <Stat key={label} label={label} value={value.toLocaleString()} />
        ))}
      </div>
      <div className="grid-2">
        {CHARTS.map((c, i) => {
          const rows = charts.data?.[i];
          if (rows === null) return <Card key={c.path} title={c.title}><p className="muted">Not available on this server.</p></Card>;
          const { labels, series } = seriesOf(rows ?? []);
          return <LineChart key={c.path} title={c.title} labels={labels} series={series} />;
        })}
        {payments.data && <LineChart title="Payments" {...seriesOf(payments.data)} />}
        <BarList
          title="Generations by model"
          rows={(models.data ?? []).map((m) => ({
            label: String(m.model_name ?? m.model ?? m.model_id ?? '?'),
            value: Number(m.generations ?? m.count ?? m.total ?? 0),
            note: m.credits !== undefined ? `${Number(m.credits).toLocaleString()} credits` : undefined,
          }))}
        />
      </div>
    </div>
  );
}
