import { useState } from 'react';
import { useAction, useLoad } from '../../shared/hooks.ts';
import { Card, ErrorBox, Table, formatDate } from '../../shared/ui.tsx';
import { useSession } from '../session.tsx';

interface ApiKey {
  id: number;
  name: string;
  key_prefix: string;
  scope: 'global' | 'bot' | 'groups';
  bot_id: number | null;
  group_ids: number[] | null;
  access: 'read' | 'write';
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export function ApiKeysPage() {
  const { call, botId } = useSession();
  const keys = useLoad(() => call<ApiKey[]>('/api/v2/keys'), []);
  const [form, setForm] = useState({ name: '', scope: 'bot', access: 'read', group_ids: '' });
  const [created, setCreated] = useState<(ApiKey & { key: string }) | null>(null);
  const create = useAction(async () => {
    const body = {
      name: form.name,
      scope: form.scope,
      access: form.access,
      ...(form.scope === 'bot' && { bot_id: botId }),
      ...(form.scope === 'groups' && { group_ids: form.group_ids.split(/[\s,]+/).filter(Boolean).map(Number) }),
    };
    setCreated(await call<ApiKey & { key: string }>('/api/v2/keys', { method: 'POST', body }));
    setForm({ ...form, name: '' });
    keys.reload();
  });
  const revoke = useAction(async (key: ApiKey) => {
    if (!confirm(`Revoke ${key.name}? Clients using it stop working at once.`)) return;
    await call(`/api/v2/keys/${key.id}`, { method: 'DELETE' });
    keys.reload();
  });
  return (
    <>
      <Card title="Create a key">
        <form className="row" onSubmit={(e) => { e.preventDefault(); void create.run(); }}>
          <label className="field" style={{ flex: 1 }}>Name<input required value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} placeholder="moderation bot" /></label>
          <label className="field">Scope<select value={form.scope} onChange={(e) => setForm({ ...form, scope: e.target.value })}>
            <option value="bot">This bot ({botId ?? 'none selected'})</option>
            <option value="groups">Some groups</option>
            <option value="global">Everything (global)</option>
          </select></label>
          {form.scope === 'groups' && <label className="field">Group ids<input required value={form.group_ids} onChange={(e) => setForm({ ...form, group_ids: e.target.value })} placeholder="-100123, -100456" /></label>}
          <label className="field">Access<select value={form.access} onChange={(e) => setForm({ ...form, access: e.target.value })}><option value="read">read</option><option value="write">read + write</option></select></label>
          <button type="submit" disabled={create.running}>Create</button>
        </form>
        <ErrorBox error={create.error} />
        {created && (
          <div className="notice" style={{ marginTop: 10 }} data-testid="new-key">
            <p style={{ margin: '0 0 6px' }}>Key <b>{created.name}</b> created. Copy it now — it is not shown again.</p>
            <code className="secret">{created.key}</code>
            <div className="row" style={{ marginTop: 6 }}>
              <button className="secondary" onClick={() => void navigator.clipboard?.writeText(created.key)}>Copy</button>
              <button className="secondary" onClick={() => setCreated(null)}>Done</button>
            </div>
          </div>
        )}
      </Card>
      <Card title="Keys">
        <ErrorBox error={keys.error ?? revoke.error} />
        <Table
          rows={keys.data ?? []}
          rowKey={(k) => k.id}
          columns={[
            { title: 'Name', render: (k) => <b>{k.name}</b> },
            { title: 'Key', render: (k) => <span className="mono">{k.key_prefix}…</span> },
            { title: 'Scope', render: (k) => (k.scope === 'bot' ? `bot ${k.bot_id}` : k.scope === 'groups' ? `groups ${k.group_ids?.join(', ')}` : 'global') },
            { title: 'Access', render: (k) => k.access },
            { title: 'Last used', render: (k) => formatDate(k.last_used_at) },
            { title: 'Status', render: (k) => (k.revoked_at ? <span className="badge revoked">revoked</span> : <span className="badge active">active</span>) },
            { title: '', render: (k) => !k.revoked_at && <button className="danger" onClick={() => void revoke.run(k)}>Revoke</button> },
          ]}
        />
      </Card>
    </>
  );
}
