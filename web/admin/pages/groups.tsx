import { useState } from 'react';
import { useAction, useLoad } from '../../shared/hooks.ts';
import { Card, ErrorBox, Pager, Table, Toggle, formatDate } from '../../shared/ui.tsx';
import { useSession } from '../session.tsx';
import { navigate } from '../router.ts';
import type { PageProps } from '../main.tsx';

interface Paginated<T> {
  items: T[];
  total: number;
  page: number;
  limit: number;
}
interface Group {
  group_id: number;
  bot_id: number | null;
  name: string;
  language: string;
  is_active: boolean;
  created_at: string;
}
interface Settings {
  group_name: string;
  features_enabled: Record<'auto_delete_commands' | 'auto_delete_welcome' | 'night_mode' | 'lockdown_enabled', boolean>;
  welcome_message: string | null;
  goodbye_message: string | null;
  logging: { enabled: boolean; log_channel_id: number | null };
  moderation: {
    warn_limit: number;
    warn_action: string;
    warn_action_duration: number | null;
    flood_messages: number;
    flood_window_seconds: number;
    flood_action: string;
    captcha_enabled: boolean;
    captcha_timeout_seconds: number;
  };
  night_mode_schedule: { start: string; end: string } | null;
}
interface Role {
  name: string;
  description: string | null;
  permissions: string[];
  effective_permissions: string[];
  priority: number;
  inherits_from: string | null;
  member_count: number;
}
interface Rule {
  id: number;
  name: string;
  trigger: { type: string; threshold?: number; pattern?: string; window_seconds?: number };
  penalty: { action: string; duration?: number | null };
  priority: number;
  enabled: boolean;
}
interface Action {
  id: number;
  user_id: number | null;
  admin_id: number | null;
  action: string;
  reason: string | null;
  result: string;
  source: string;
  created_at: string;
}
interface UserStatus {
  is_muted: boolean;
  is_banned: boolean;
  has_warnings: number;
  is_restricted: boolean;
  is_locked_down: boolean;
  night_mode_enabled: boolean;
  active_actions: string[];
  last_action: string | null;
}

export function GroupsPage({ params }: PageProps) {
  return params[0] ? <GroupDetails groupId={Number(params[0])} tab={params[1] ?? 'settings'} /> : <GroupList />;
}

function GroupList() {
  const { call, botId } = useSession();
  const [page, setPage] = useState(1);
  const list = useLoad(() => call<Paginated<Group>>('/api/v2/groups', { query: { bot_id: botId, page, limit: 20 } }), [botId, page]);
  return (
    <Card>
      <ErrorBox error={list.error} />
      <Table
        rows={list.data?.items ?? []}
        rowKey={(g) => g.group_id}
        onRowClick={(g) => navigate(`groups/${g.group_id}`)}
        empty={list.loading ? 'Loading…' : 'No groups for this bot yet.'}
        columns={[
          { title: 'Name', render: (g) => g.name },
          { title: 'Chat id', render: (g) => <span className="mono">{g.group_id}</span> },
          { title: 'Language', render: (g) => g.language },
          { title: 'Status', render: (g) => <span className={`badge ${g.is_active ? 'active' : ''}`}>{g.is_active ? 'active' : 'inactive'}</span> },
          { title: 'Added', render: (g) => formatDate(g.created_at) },
        ]}
      />
      <Pager offset={(page - 1) * 20} limit={20} total={list.data?.total ?? 0} onChange={(o) => setPage(o / 20 + 1)} />
    </Card>
  );
}

const TABS = [
  ['settings', 'Settings'],
  ['roles', 'Roles'],
  ['rules', 'Rules'],
  ['log', 'Action log'],
  ['status', 'User status'],
] as const;

function GroupDetails({ groupId, tab }: { groupId: number; tab: string }) {
  const { call } = useSession();
  const group = useLoad(() => call<Group>(`/api/v2/groups/${groupId}`), [groupId]);
  return (
    <>
      <p><a href="#/groups">‹ All groups</a></p>
      <ErrorBox error={group.error} />
      <h2 style={{ marginBottom: 10 }}>{group.data?.name ?? groupId} <span className="mono muted">{groupId}</span></h2>
      <div className="row" style={{ marginBottom: 12 }}>
        {TABS.map(([id, title]) => (
          <a key={id} href={`#/groups/${groupId}/${id}`} className={`badge${tab === id ? ' active' : ''}`} style={{ padding: '5px 12px', textDecoration: 'none' }}>{title}</a>
        ))}
      </div>
      {tab === 'settings' && <SettingsEditor groupId={groupId} />}
      {tab === 'roles' && <RolesEditor groupId={groupId} />}
      {tab === 'rules' && <RulesEditor groupId={groupId} />}
      {tab === 'log' && <ActionLog groupId={groupId} />}
      {tab === 'status' && <StatusLookup groupId={groupId} />}
    </>
  );
}

const FEATURES: [keyof Settings['features_enabled'], string][] = [
  ['auto_delete_commands', 'Delete commands'],
  ['auto_delete_welcome', 'Delete old welcome messages'],
  ['night_mode', 'Night mode'],
  ['lockdown_enabled', 'Lockdown'],
];

type SettingsDraft = Partial<Omit<Settings, 'moderation'>> & { moderation?: Partial<Settings['moderation']> };

function SettingsEditor({ groupId }: { groupId: number }) {
  const { call } = useSession();
  const path = `/api/v2/groups/${groupId}/settings`;
  const settings = useLoad(() => call<Settings>(path), [groupId]);
  const [draft, setDraft] = useState<SettingsDraft>({});
  const save = useAction(async (body: object) => {
    await call(path, { method: 'PUT', body });
    setDraft({});
    settings.reload();
  });
  const s = settings.data;
  if (!s) return <ErrorBox error={settings.error} />;
  const moderation = { ...s.moderation, ...draft.moderation };
  const setModeration = (patch: Partial<Settings['moderation']>) => setDraft((d) => ({ ...d, moderation: { ...d.moderation, ...patch } }));
  const num = (v: string) => (v === '' ? 0 : Number(v));
  return (
    <>
      <Card title="Features">
        {FEATURES.map(([key, label]) => (
          <Toggle key={key} label={label} checked={s.features_enabled[key]} disabled={save.running} onChange={(next) => void save.run({ features_enabled: { [key]: next } })} />
        ))}
        <Toggle label="Captcha for new members" checked={s.moderation.captcha_enabled} disabled={save.running} onChange={(next) => void save.run({ moderation: { captcha_enabled: next } })} />
        <Toggle label="Action logging" checked={s.logging.enabled} disabled={save.running} onChange={(next) => void save.run({ logging: { enabled: next } })} />
        <ErrorBox error={save.error} />
      </Card>
      <Card title="Messages and moderation" actions={<button disabled={save.running || Object.keys(draft).length === 0} onClick={() => void save.run(draft)}>Save</button>}>
        <div className="grid-2">
          <label className="field">Welcome message<textarea value={draft.welcome_message ?? s.welcome_message ?? ''} onChange={(e) => setDraft((d) => ({ ...d, welcome_message: e.target.value || null }))} /></label>
          <label className="field">Goodbye message<textarea value={draft.goodbye_message ?? s.goodbye_message ?? ''} onChange={(e) => setDraft((d) => ({ ...d, goodbye_message: e.target.value || null }))} /></label>
        </div>
        <div className="row" style={{ marginTop: 10 }}>
          <label className="field">Warn limit<input type="number" min={0} value={moderation.warn_limit} onChange={(e) => setModeration({ warn_limit: num(e.target.value) })} /></label>
          <label className="field">Then<select value={moderation.warn_action} onChange={(e) => setModeration({ warn_action: e.target.value })}>{['mute', 'ban', 'kick'].map((a) => <option key={a}>{a}</option>)}</select></label>
          <label className="field">For (seconds)<input type="number" min={30} value={moderation.warn_action_duration ?? ''} onChange={(e) => setModeration({ warn_action_duration: e.target.value ? Number(e.target.value) : null })} /></label>
          <label className="field">Flood: messages<input type="number" min={2} value={moderation.flood_messages} onChange={(e) => setModeration({ flood_messages: num(e.target.value) })} /></label>
          <label className="field">in seconds<input type="number" min={1} value={moderation.flood_window_seconds} onChange={(e) => setModeration({ flood_window_seconds: num(e.target.value) })} /></label>
          <label className="field">Flood action<select value={moderation.flood_action} onChange={(e) => setModeration({ flood_action: e.target.value })}>{['warn', 'mute', 'ban', 'kick'].map((a) => <option key={a}>{a}</option>)}</select></label>
          <label className="field">Captcha timeout (s)<input type="number" min={10} value={moderation.captcha_timeout_seconds} onChange={(e) => setModeration({ captcha_timeout_seconds: num(e.target.value) })} /></label>
        </div>
        <div className="row" style={{ marginTop: 10 }}>
          <label className="field">Night mode from<input type="time" value={(draft.night_mode_schedule ?? s.night_mode_schedule)?.start ?? ''} onChange={(e) => setDraft((d) => ({ ...d, night_mode_schedule: { end: (d.night_mode_schedule ?? s.night_mode_schedule)?.end ?? '07:00', start: e.target.value } }))} /></label>
          <label className="field">until<input type="time" value={(draft.night_mode_schedule ?? s.night_mode_schedule)?.end ?? ''} onChange={(e) => setDraft((d) => ({ ...d, night_mode_schedule: { start: (d.night_mode_schedule ?? s.night_mode_schedule)?.start ?? '23:00', end: e.target.value } }))} /></label>
        </div>
      </Card>
    </>
  );
}

function RolesEditor({ groupId }: { groupId: number }) {
  const { call } = useSession();
  const path = `/api/v2/groups/${groupId}/roles`;
  const roles = useLoad(() => call<Role[]>(path), [groupId]);
  const empty = { name: '', permissions: '', priority: '10', inherits_from: '', description: '' };
  const [form, setForm] = useState(empty);
  const [editing, setEditing] = useState<string | null>(null);
  const save = useAction(async () => {
    const body = {
      name: form.name.trim(),
      description: form.description || null,
      permissions: form.permissions.split(/[\s,]+/).filter(Boolean),
      priority: Number(form.priority) || 0,
      inherits_from: form.inherits_from || null,
    };
    await call(editing ? `${path}/${encodeURIComponent(editing)}` : path, { method: editing ? 'PUT' : 'POST', body });
    setForm(empty);
    setEditing(null);
    roles.reload();
  });
  const remove = useAction(async (name: string) => {
    if (!confirm(`Delete role ${name}?`)) return;
    await call(`${path}/${encodeURIComponent(name)}`, { method: 'DELETE' });
    roles.reload();
  });
  return (
    <>
      <Card title="Roles">
        <ErrorBox error={roles.error ?? remove.error} />
        <Table
          rows={roles.data ?? []}
          rowKey={(r) => r.name}
          columns={[
            { title: 'Role', render: (r) => <b>{r.name}</b> },
            { title: 'Priority', render: (r) => r.priority },
            { title: 'Inherits', render: (r) => r.inherits_from ?? '—' },
            { title: 'Permissions', render: (r) => r.effective_permissions.join(', ') || '—' },
            { title: 'Members', render: (r) => r.member_count },
            {
              title: '',
              render: (r) => (
                <span className="row">
                  <button className="secondary" onClick={() => { setEditing(r.name); setForm({ name: r.name, permissions: r.permissions.join(', '), priority: String(r.priority), inherits_from: r.inherits_from ?? '', description: r.description ?? '' }); }}>Edit</button>
                  <button className="danger" onClick={() => void remove.run(r.name)}>Delete</button>
                </span>
              ),
            },
          ]}
        />
      </Card>
      <Card title={editing ? `Edit role ${editing}` : 'New role'}>
        <form className="row" onSubmit={(e) => { e.preventDefault(); void save.run(); }}>
          <label className="field">Name<input required value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} /></label>
          <label className="field" style={{ flex: 1 }}>Permissions (comma separated)<input value={form.permissions} placeholder="mute_users, delete_messages" onChange={(e) => setForm({ ...form, permissions: e.target.value })} /></label>
          <label className="field">Priority<input type="number" min={0} value={form.priority} onChange={(e) => setForm({ ...form, priority: e.target.value })} /></label>
          <label className="field">Inherits from<select value={form.inherits_from} onChange={(e) => setForm({ ...form, inherits_from: e.target.value })}><option value="">—</option>{(roles.data ?? []).filter((r) => r.name !== editing).map((r) => <option key={r.name}>{r.name}</option>)}</select></label>
          <button type="submit" disabled={save.running}>{editing ? 'Save' : 'Create'}</button>
          {editing && <button type="button" className="secondary" onClick={() => { setEditing(null); setForm(empty); }}>Cancel</button>}
        </form>
        <ErrorBox error={save.error} />
      </Card>
    </>
  );
}

function RulesEditor({ groupId }: { groupId: number }) {
  const { call } = useSession();
  const path = `/api/v2/groups/${groupId}/rules`;
  const rules = useLoad(() => call<Rule[]>(path), [groupId]);
  const empty = { name: '', type: 'warn_count', threshold: '3', pattern: '', window: '60', action: 'mute', duration: '3600', priority: '10' };
  const [form, setForm] = useState(empty);
  const create = useAction(async () => {
    const trigger: Rule['trigger'] = { type: form.type };
    if (form.type === 'keyword') trigger.pattern = form.pattern;
    else trigger.threshold = Number(form.threshold);
    if (form.type === 'flood') trigger.window_seconds = Number(form.window);
    const penalty = { action: form.action, ...(form.duration && ['mute', 'ban', 'restrict'].includes(form.action) ? { duration: Number(form.duration) } : {}) };
    await call(path, { method: 'POST', body: { name: form.name, trigger, penalty, priority: Number(form.priority) || 0 } });
    setForm(empty);
    rules.reload();
  });
  const update = useAction(async (rule: Rule, body: object | null) => {
    if (body === null && !confirm(`Delete rule ${rule.name}?`)) return;
    await call(`${path}/${rule.id}`, body === null ? { method: 'DELETE' } : { method: 'PUT', body });
    rules.reload();
  });
  const describe = (r: Rule) =>
    r.trigger.type === 'keyword' ? `message matches “${r.trigger.pattern}”` : r.trigger.type === 'flood' ? `${r.trigger.threshold} messages in ${r.trigger.window_seconds ?? 60}s` : `${r.trigger.threshold} warnings`;
  return (
    <>
      <Card title="Rules">
        <ErrorBox error={rules.error ?? update.error} />
        <Table
          rows={rules.data ?? []}
          rowKey={(r) => r.id}
          columns={[
            { title: 'On', render: (r) => <Toggle label="" checked={r.enabled} onChange={(next) => void update.run(r, { enabled: next })} /> },
            { title: 'Rule', render: (r) => <b>{r.name}</b> },
            { title: 'When', render: describe },
            { title: 'Then', render: (r) => `${r.penalty.action}${r.penalty.duration ? ` ${r.penalty.duration}s` : ''}` },
            { title: 'Priority', render: (r) => r.priority },
            { title: '', render: (r) => <button className="danger" onClick={() => void update.run(r, null)}>Delete</button> },
          ]}
        />
      </Card>
      <Card title="New rule">
        <form className="row" onSubmit={(e) => { e.preventDefault(); void create.run(); }}>
          <label className="field">Name<input required value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} /></label>
          <label className="field">Trigger<select value={form.type} onChange={(e) => setForm({ ...form, type: e.target.value })}>{['warn_count', 'flood', 'keyword'].map((t) => <option key={t}>{t}</option>)}</select></label>
          {form.type === 'keyword' ? (
            <label className="field">Pattern<input required value={form.pattern} onChange={(e) => setForm({ ...form, pattern: e.target.value })} /></label>
          ) : (
            <label className="field">Threshold<input type="number" min={1} value={form.threshold} onChange={(e) => setForm({ ...form, threshold: e.target.value })} /></label>
          )}
          {form.type === 'flood' && <label className="field">Window (s)<input type="number" min={1} value={form.window} onChange={(e) => setForm({ ...form, window: e.target.value })} /></label>}
          <label className="field">Penalty<select value={form.action} onChange={(e) => setForm({ ...form, action: e.target.value })}>{['warn', 'mute', 'restrict', 'kick', 'ban'].map((a) => <option key={a}>{a}</option>)}</select></label>
          <label className="field">Duration (s)<input type="number" min={1} value={form.duration} onChange={(e) => setForm({ ...form, duration: e.target.value })} /></label>
          <label className="field">Priority<input type="number" min={0} value={form.priority} onChange={(e) => setForm({ ...form, priority: e.target.value })} /></label>
          <button type="submit" disabled={create.running}>Create</button>
        </form>
        <ErrorBox error={create.error} />
      </Card>
    </>
  );
}

function ActionLog({ groupId }: { groupId: number }) {
  const { call } = useSession();
  const blank = { user_id: '', action: '', result: '', source: '', since: '' };
  const [filter, setFilter] = useState(blank);
  const [applied, setApplied] = useState(blank);
  const [page, setPage] = useState(1);
  const log = useLoad(
    () =>
      call<Paginated<Action>>(`/api/v2/groups/${groupId}/actions`, {
        query: { page, limit: 50, ...applied, since: applied.since ? new Date(applied.since).toISOString() : undefined },
      }),
    [groupId, page, applied],
  );
  return (
    <Card title="Action log">
      <form className="row" onSubmit={(e) => { e.preventDefault(); setPage(1); setApplied(filter); }}>
        <label className="field">User id<input value={filter.user_id} onChange={(e) => setFilter({ ...filter, user_id: e.target.value })} /></label>
        <label className="field">Action<input value={filter.action} placeholder="mute" onChange={(e) => setFilter({ ...filter, action: e.target.value })} /></label>
        <label className="field">Result<select value={filter.result} onChange={(e) => setFilter({ ...filter, result: e.target.value })}><option value="">any</option>{['success', 'failed', 'expired'].map((r) => <option key={r}>{r}</option>)}</select></label>
        <label className="field">Source<input value={filter.source} placeholder="api, bot, rule" onChange={(e) => setFilter({ ...filter, source: e.target.value })} /></label>
        <label className="field">Since<input type="date" value={filter.since} onChange={(e) => setFilter({ ...filter, since: e.target.value })} /></label>
        <button type="submit">Filter</button>
      </form>
      <ErrorBox error={log.error} />
      <Table
        rows={log.data?.items ?? []}
        rowKey={(a) => a.id}
        empty={log.loading ? 'Loading…' : 'No actions match.'}
        columns={[
          { title: 'When', render: (a) => formatDate(a.created_at) },
          { title: 'Action', render: (a) => <b>{a.action}</b> },
          { title: 'User', render: (a) => <span className="mono">{a.user_id ?? '—'}</span> },
          { title: 'By', render: (a) => <span className="mono">{a.admin_id ?? a.source}</span> },
          { title: 'Result', render: (a) => <span className={`badge ${a.result}`}>{a.result}</span> },
          { title: 'Reason', render: (a) => a.reason ?? '' },
        ]}
      />
      <Pager offset={(page - 1) * 50} limit={50} total={log.data?.total ?? 0} onChange={(o) => setPage(o / 50 + 1)} />
    </Card>
  );
}

/** The bot's admin panel toggles (seed 001): each flips one action state for the user. */
const STATUS_TOGGLES: { action: string; label: string; on: (s: UserStatus) => boolean }[] = [
  { action: 'mute', label: 'Muted', on: (s) => s.is_muted },
  { action: 'ban', label: 'Banned', on: (s) => s.is_banned },
  { action: 'restrict', label: 'Restricted', on: (s) => s.is_restricted },
  { action: 'warn', label: 'Warned', on: (s) => s.has_warnings > 0 },
  { action: 'lockdown', label: 'Lockdown (group)', on: (s) => s.is_locked_down },
  { action: 'night_mode', label: 'Night mode (group)', on: (s) => s.night_mode_enabled },
];

function StatusLookup({ groupId }: { groupId: number }) {
  const { call } = useSession();
  const [userId, setUserId] = useState('');
  const [looked, setLooked] = useState<number | null>(null);
  const [duration, setDuration] = useState('3600');
  const status = useLoad(() => (looked ? call<UserStatus>(`/api/v2/groups/${groupId}/users/${looked}/status`) : Promise.resolve(undefined)), [groupId, looked]);
  const flip = useAction(async (action: string, active: boolean) => {
    await call(`/api/v2/groups/${groupId}/users/${looked}/actions`, {
      method: 'POST',
      body: { action, state: active ? 'active' : 'inactive', ...(active && duration && ['mute', 'ban', 'restrict'].includes(action) ? { duration: Number(duration) } : {}) },
    });
    status.reload();
  });
  const s = status.data;
  return (
    <Card title="User status">
      <form className="row" onSubmit={(e) => { e.preventDefault(); setLooked(Number(userId) || null); }}>
        <label className="field">Telegram user id<input inputMode="numeric" value={userId} onChange={(e) => setUserId(e.target.value)} /></label>
        <label className="field">Duration for new mutes/bans (s)<input type="number" min={1} value={duration} onChange={(e) => setDuration(e.target.value)} /></label>
        <button type="submit">Look up</button>
      </form>
      <ErrorBox error={status.error ?? flip.error} />
      {s && looked && (
        <>
          <p className="muted">
            Warnings: {s.has_warnings} · Active: {s.active_actions.join(', ') || 'none'} · Last action: {formatDate(s.last_action)}
          </p>
          {STATUS_TOGGLES.map((t) => (
            <Toggle key={t.action} label={t.label} checked={t.on(s)} disabled={flip.running} onChange={(next) => void flip.run(t.action, next)} />
          ))}
        </>
      )}
    </Card>
  );
}
