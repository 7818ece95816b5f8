import { useEffect, useMemo, useRef, useState } from 'react';
import { Card, ErrorBox, Stat } from '../../shared/ui.tsx';
import { useSession } from '../session.tsx';

interface LogLine {
  seq: number;
  level: string;
  time: number;
  msg: string;
  groupId: number | null;
  rest: Record<string, unknown>;
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
const PINO_LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const KEEP = 500;

function levelName(level: unknown): string {
  if (typeof level === 'number') return PINO_LEVELS[level] ?? String(level);
  return String(level ?? 'info');
}

/** Status nests its figures ({memory: {rss_mb}}); the tiles want one level. */
function flatten(value: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const name = prefix ? `${prefix} ${key}` : key;
    if (inner && typeof inner === 'object' && !Array.isArray(inner)) Object.assign(out, flatten(inner as Record<string, unknown>, name));
    else out[name] = inner;
  }
  return out;
}

/** Pulls a group id out of a log record or an action event, wherever it sits. */
function groupOf(record: Record<string, unknown>): number | null {
  const data = record.data as Record<string, unknown> | undefined;
  const id = record.group_id ?? record.groupId ?? data?.group_id;
  return typeof id === 'number' ? id : null;
}

/**
 * Live logs and status over the `/api/ws/logs` WebSocket. Browsers cannot set headers on a
 * WebSocket, so the credential travels as a query parameter (the server redacts it from logs).
 */
export function LogsPage() {
  const { token } = useSession();
  const [level, setLevel] = useState('info');
  const [group, setGroup] = useState('');
  const [paused, setPaused] = useState(false);
  const [lines, setLines] = useState<LogLine[]>([]);
  const [status, setStatus] = useState<Record<string, unknown> | null>(null);
  const [state, setState] = useState<'connecting' | 'open' | 'closed'>('connecting');
  const [error, setError] = useState<string | null>(null);
  const seq = useRef(0);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  useEffect(() => {
    let socket: WebSocket | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const connect = () => {
      setState('connecting');
      const url = new URL('/api/ws/logs', location.href);
      url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
      url.searchParams.set('level', level);
      if (group.trim()) url.searchParams.set('group_id', group.trim());
      if (token) url.searchParams.set('api_key', token);
      socket = new WebSocket(url);
      socket.onopen = () => {
        setState('open');
        setError(null);
      };
      socket.onmessage = (message) => {
        let record: Record<string, unknown>;
        try {
          record = JSON.parse(String(message.data));
        } catch {
          return;
        }
        if (record.type === 'hello') return;
        if (record.type === 'status') {
          const { type: _type, ...fields } = record;
          setStatus(flatten(fields));
          return;
        }
        if (record.type === 'error') {
          setError(String(record.message ?? record.error ?? 'stream error'));
          return;
        }
        if (pausedRef.current) return;
        // Logs arrive flat ({type:'log', level, time, msg, ...fields}); events carry their fields in `data`.
        const isEvent = record.type === 'event';
        const { type: _type, level: lvl, time, msg, name, occurred_at, id: _id, data, ...fields } = record;
        const line: LogLine = {
          seq: ++seq.current,
          level: isEvent ? 'event' : levelName(lvl),
          time: Date.parse(String(time ?? occurred_at ?? '')) || Date.now(),
          msg: String(isEvent ? name : (msg ?? '')),
          groupId: groupOf(isEvent ? ((data as Record<string, unknown>) ?? {}) : record),
          rest: isEvent ? ((data as Record<string, unknown>) ?? {}) : fields,
        };
        setLines((prev) => [line, ...prev].slice(0, KEEP));
      };
      socket.onclose = (event) => {
        setState('closed');
        if (event.code === 1008 || event.code >= 4000) {
          setError(`The server closed the stream: ${event.reason || 'not allowed'}`);
          return;
        }
        if (!stopped) retry = setTimeout(connect, 2000);
      };
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(retry);
      socket?.close();
    };
  }, [token, level, group]);

  const minLevel = LEVELS.indexOf(level);
  const wantedGroup = group.trim() ? Number(group.trim()) : null;
  const shown = useMemo(
    () => lines.filter((l) => (l.level === 'event' || LEVELS.indexOf(l.level) >= minLevel) && (wantedGroup === null || l.groupId === wantedGroup)),
    [lines, minLevel, wantedGroup],
  );

  return (
    <>
      {status && (
        <div className="stats" data-testid="live-status">
          {Object.entries(status)
            .filter(([k, v]) => k !== 'at' && (typeof v === 'number' || typeof v === 'string'))
            .slice(0, 8)
            .map(([k, v]) => <Stat key={k} label={k.replace(/_/g, ' ')} value={typeof v === 'number' ? Math.round(v * 100) / 100 : String(v)} />)}
        </div>
      )}
      <Card
        title={<>Stream <span className={`badge ${state === 'open' ? 'ok' : 'warn'}`} data-testid="stream-state">{state}</span></>}
        actions={
          <>
            <label className="row" style={{ alignItems: 'center', gap: 6 }}>
              Level
              <select aria-label="Level" value={level} onChange={(e) => setLevel(e.target.value)}>
                {LEVELS.map((l) => <option key={l}>{l}</option>)}
              </select>
            </label>
            <input aria-label="Group id" placeholder="group id" value={group} onChange={(e) => setGroup(e.target.value)} style={{ width: 150 }} />
            <button className="secondary" onClick={() => setPaused(!paused)}>{paused ? 'Resume' : 'Pause'}</button>
            <button className="secondary" onClick={() => setLines([])}>Clear</button>
          </>
        }
      >
        <ErrorBox error={error} />
        <div className="log" data-testid="log-lines">
          {shown.length === 0 && <div className="muted">Waiting for log lines…</div>}
          {shown.map((l) => (
            <div key={l.seq}>
              <span className="muted">{new Date(l.time).toLocaleTimeString()}</span> <span className={`lvl lvl-${l.level}`}>{l.level}</span> {l.msg}{' '}
              <span className="muted">{JSON.stringify(l.rest)}</span>
            </div>
          ))}
        </div>
      </Card>
    </>
  );
}
