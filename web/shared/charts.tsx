export interface Series {
  name: string;
  color: string;
  values: number[];
}

const W = 600;
const H = 180;
const PAD = { top: 10, right: 10, bottom: 22, left: 40 };

function niceMax(max: number): number {
  if (max <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  return Math.ceil(max / magnitude) * magnitude;
}

/** A daily line chart in plain SVG: one line per series, labels at both ends of the range. */
export function LineChart({ title, labels, series }: { title: string; labels: string[]; series: Series[] }) {
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (labels.length <= 1 ? innerW / 2 : (i / (labels.length - 1)) * innerW);
  const y = (v: number) => PAD.top + innerH - (v / max) * innerH;
  return (
    <figure className="chart">
      <figcaption>
        {title}
        {series.map((s) => (
          <span key={s.name} className="legend">
            <i style={{ background: s.color }} /> {s.name} <b>{s.values.reduce((a, b) => a + b, 0).toLocaleString()}</b>
          </span>
        ))}
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title}>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(max * f)} y2={y(max * f)} className="grid" />
            <text x={PAD.left - 4} y={y(max * f) + 4} textAnchor="end">
              {Math.round(max * f).toLocaleString()}
            </text>
          </g>
        ))}
        {labels.length > 0 && (
          <>
            <text x={x(0)} y={H - 4}>{labels[0]}</text>
            <text x={x(labels.length - 1)} y={H - 4} textAnchor="end">{labels[labels.length - 1]}</text>
          </>
        )}
        {series.map((s) => (
          <polyline key={s.name} fill="none" stroke={s.color} strokeWidth="2" points={s.values.map((v, i) => `${x(i)},${y(v)}`).join(' ')}>
            <title>{s.name}</title>
          </polyline>
        ))}
        {series.map((s) => s.values.map((v, i) => <circle key={`${s.name}${i}`} cx={x(i)} cy={y(v)} r="2.5" fill={s.color}><title>{`${labels[i]}: ${v}`}</title></circle>))}
      </svg>
    </figure>
  );
}

/** Horizontal bars, for breakdowns such as generations per model. */
export function BarList({ title, rows }: { title: string; rows: { label: string; value: number; note?: string }[] }) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      {rows.length === 0 && <p className="muted">No data in this range.</p>}
      {rows.map((r) => (
        <div key={r.label} className="bar-row">
          <span className="bar-label">{r.label}</span>
          <span className="bar-track">
            <span className="bar" style={{ width: `${(r.value / max) * 100}%` }} />
          </span>
          <span className="bar-value">
            {r.value.toLocaleString()}
            {r.note && <small> {r.note}</small>}
          </span>
        </div>
      ))}
    </figure>
  );
}
