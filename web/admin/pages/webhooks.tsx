import { useState } from 'react';
import { useAction, useLoad } from '../../shared/hooks.ts';
import { Card, ErrorBox, Table, Toggle, formatDate } from '../../shared/ui.tsx';
import { useSession } from '../session.tsx';
import { PLATFORM_EVENT_NAMES } from '../../../src/platform/event-names.ts';

interface CustomWebhook {
  id: number;
  name: string;
  token_prefix: string;
  action: string;
  chat_id: number;
  template: string | null;
  enabled: boolean;
  url: string;
  last_triggered_at: string | null;
}
interface Endpoint {
  id: number;
  url: string;
  events: string[];
  enabled: boolean;
  created_at: string;
}
interface Delivery {
  id: number;
  event: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
}


export function WebhooksPage() {
  return (
    <>
      <CustomWebhooks />
      <Endpoints />
    </>
  );
}

/** Inbound: secret URLs that make the bot do something (seed 003's custom webhooks). */
function CustomWebhooks() {
  const { call, botId } = useSession();
  const list = useLoad(() => call<CustomWebhook[]>('/api/webhooks/custom', { query: { bot_id: botId } }), [botId]);
  const [form, setForm] = useState({ name: '', chat_id: '', template: '' });
  const [created, setCreated] = useState<{ url: string; token: string } | null>(null);
  const create = useAction(async () => {
    const hook = await call<CustomWebhook & { token: string }>('/api/webhooks/custom', {
      method: 'POST',
      body: { bot_id: botId ?? undefined, name: form.name, action: 'send_message', chat_id: Number(form.chat_id), template: form.template || null },
    });
    setCreated({ url: hook.url, token: hook.token });
    setForm({ name: '', chat_id: '', template: '' });
    list.reload();
  });
  const update = useAction(async (hook: CustomWebhook, body: object | null) => {
    if (body === null && !confirm(`Delete webhook ${hook.name}?`)) return;
    await call(`/api/webhooks/custom/${hook.id}`, body === null ? { method: 'DELETE' } : { method: 'PATCH', body });
    list.reload();
  });
  return (
    <Card title="Inbound webhooks">
      <ErrorBox error={list.error ?? update.error} />
      <Table
        rows={list.data ?? []}
        rowKey={(h) => h.id}
        empty="No inbound webhooks yet."
        columns={[
          { title: 'On', render: (h) => <Toggle label="" checked={h.enabled} onChange={(next) => void update.run(h, { enabled: next })} /> },
          { title: 'Name', render: (h) => <b>{h.name}</b> },
          { title: 'Action', render: (h) => `${h.action} → ${h.chat_id}` },
          { title: 'URL', render: (h) => <span className="mono">{h.url.replace(/[^/]+$/, `${h.token_prefix}…`)}</span> },
          { title: 'Last call', render: (h) => formatDate(h.last_triggered_at) },
          { title: '', render: (h) => <button className="danger" onClick={() => void update.run(h, null)}>Delete</button> },
        ]}
      />
      <h3>New inbound webhook</h3>
      <form className="row" onSubmit={(e) => { e.preventDefault(); void create.run(); }}>
        <label className="field">Name<input required value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} /></label>
        <label className="field">Send to chat id<input required inputMode="numeric" value={form.chat_id} onChange={(e) => setForm({ ...form, chat_id: e.target.value })} /></label>
        <label className="field" style={{ flex: 1 }}>Template (optional)<input value={form.template} placeholder="New order: {{text}}" onChange={(e) => setForm({ ...form, template: e.target.value })} /></label>
        <button type="submit" disabled={create.running}>Create</button>
      </form>
      <ErrorBox error={create.error} />
      {created && (
        <div className="notice" style={{ marginTop: 10 }}>
          <p style={{ margin: '0 0 6px' }}>POST to this URL; it is shown only once:</p>
          <code className="secret">{created.url}</code>
        </div>
      )}
    </Card>
  );
}

/** Outbound: our signed event deliveries to the operator's URLs. */
function Endpoints() {
  const { call, botId } = useSession();
  const list = useLoad(() => call<Endpoint[]>('/api/webhooks/endpoints', { query: { bot_id: botId } }), [botId]);
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['enforcement.action']);
  const [secret, setSecret] = useState<string | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const deliveries = useLoad(() => (open ? call<Delivery[]>(`/api/webhooks/endpoints/${open}/deliveries`, { query: { limit: 20 } }) : Promise.resolve([])), [open]);
  const create = useAction(async () => {
    const endpoint = await call<Endpoint & { secret: string }>('/api/webhooks/endpoints', { method: 'POST', body: { bot_id: botId ?? undefined, url, events } });
    setSecret(endpoint.secret);
    setUrl('');
    list.reload();
  });
  const remove = useAction(async (endpoint: Endpoint) => {
    if (!confirm(`Stop sending events to ${endpoint.url}?`)) return;
    await call(`/api/webhooks/endpoints/${endpoint.id}`, { method: 'DELETE' });
    list.reload();
  });
  return (
    <Card title="Outbound webhooks">
      <ErrorBox error={list.error ?? remove.error} />
      <Table
        rows={list.data ?? []}
        rowKey={(e) => e.id}
        empty="No outbound endpoints yet."
        columns={[
          { title: 'URL', render: (e) => <span className="mono">{e.url}</span> },
          { title: 'Events', render: (e) => e.events.join(', ') },
          { title: 'Added', render: (e) => formatDate(e.created_at) },
          {
            title: '',
            render: (e) => (
              <span className="row">
                <button className="secondary" onClick={() => setOpen(open === e.id ? null : e.id)}>Deliveries</button>
                <button className="danger" onClick={() => void remove.run(e)}>Delete</button>
              </span>
            ),
          },
        ]}
      />
      {open && (
        <>
          <h3>Recent deliveries</h3>
          <ErrorBox error={deliveries.error} />
          <Table
            rows={deliveries.data ?? []}
            rowKey={(d) => d.id}
            empty="Nothing delivered yet."
            columns={[
              { title: 'When', render: (d) => formatDate(d.created_at) },
              { title: 'Event', render: (d) => d.event },
              { title: 'Status', render: (d) => <span className={`badge ${d.status}`}>{d.status}</span> },
              { title: 'Attempts', render: (d) => d.attempts },
              { title: 'Last answer', render: (d) => d.last_error ?? d.last_status_code ?? '—' },
            ]}
          />
        </>
      )}
      <h3>New endpoint</h3>
      <form className="row" onSubmit={(e) => { e.preventDefault(); void create.run(); }}>
        <label className="field" style={{ flex: 1 }}>URL<input required type="url" value={url} placeholder="https://example.com/hooks/tgbase" onChange={(e) => setUrl(e.target.value)} /></label>
        {PLATFORM_EVENT_NAMES.map((name) => (
          <label key={name} className="row" style={{ alignItems: 'center', gap: 4 }}>
            <input type="checkbox" checked={events.includes(name)} onChange={(e) => setEvents(e.target.checked ? [...events, name] : events.filter((x) => x !== name))} />
            {name}
          </label>
        ))}
        <button type="submit" disabled={create.running || events.length === 0}>Add</button>
      </form>
      <ErrorBox error={create.error} />
      {secret && (
        <div className="notice" style={{ marginTop: 10 }}>
          <p style={{ margin: '0 0 6px' }}>Signing secret (verify the signature header with it); shown only once:</p>
          <code className="secret">{secret}</code>
        </div>
      )}
    </Card>
  );
}
