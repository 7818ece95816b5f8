import { useState } from 'react';
import { useAction, useLoad } from '../../shared/hooks.ts';
import { Card, ErrorBox, Table } from '../../shared/ui.tsx';
import { useSession } from '../session.tsx';

type Settings = Record<string, unknown>;

/** Settings come as `{key: value}` or as a list of `{key, value}`; the page edits both alike. */
function normalize(payload: unknown): Settings {
  if (Array.isArray(payload)) return Object.fromEntries(payload.map((s: { key: string; value: unknown }) => [s.key, s.value]));
  const inner = (payload as { settings?: unknown })?.settings;
  return (inner && typeof inner === 'object' ? (Array.isArray(inner) ? normalize(inner) : inner) : payload ?? {}) as Settings;
}

export function SettingsPage() {
  const { call, botId } = useSession();
  const settings = useLoad(() => call<unknown>('/api/v1/admin/settings').then(normalize), [botId]);
  const [draft, setDraft] = useState<Record<string, string>>({});
  const [newKey, setNewKey] = useState('');
  const save = useAction(async () => {
    const body: Settings = {};
    for (const [key, raw] of Object.entries(draft)) {
      try {
        body[key] = JSON.parse(raw);
      } catch {
        body[key] = raw;
      }
    }
    await call('/api/v1/admin/settings', { method: 'PATCH', body });
    setDraft({});
    settings.reload();
  });
  const rows = Object.entries({ ...settings.data, ...Object.fromEntries(Object.keys(draft).filter((k) => !(k in (settings.data ?? {}))).map((k) => [k, ''])) });
  return (
    <Card title="System settings" actions={<button disabled={save.running || Object.keys(draft).length === 0} onClick={() => void save.run()}>Save changes</button>}>
      <ErrorBox error={settings.error ?? save.error} />
      <p className="muted">Values are JSON (numbers, true/false, "text", objects); anything else is saved as text.</p>
      <Table
        rows={rows}
        rowKey={([key]) => key}
        columns={[
          { title: 'Key', render: ([key]) => <span className="mono">{key}</span> },
          {
            title: 'Value',
            render: ([key, value]) => (
              <input aria-label={key} style={{ width: '100%' }} value={draft[key] ?? JSON.stringify(value)} onChange={(e) => setDraft({ ...draft, [key]: e.target.value })} />
            ),
          },
        ]}
      />
      <form className="row" style={{ marginTop: 10 }} onSubmit={(e) => { e.preventDefault(); if (newKey.trim()) setDraft({ ...draft, [newKey.trim()]: '' }); setNewKey(''); }}>
        <input placeholder="new_setting_key" value={newKey} onChange={(e) => setNewKey(e.target.value)} />
        <button className="secondary" type="submit">Add setting</button>
      </form>
    </Card>
  );
}
