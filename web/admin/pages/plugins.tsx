import { useAction, useLoad } from '../../shared/hooks.ts';
import { Card, ErrorBox, Toggle, formatDate } from '../../shared/ui.tsx';
import { useSession } from '../session.tsx';

interface PluginState {
  name: string;
  description: string;
  default_enabled: boolean;
  enabled: boolean;
  updated_at: string | null;
}

/** The bot's module switches (seed 003's plugins): each takes effect at once, on every instance. */
export function PluginsPage() {
  const { call, botId } = useSession();
  const list = useLoad(() => call<{ plugins: PluginState[] }>('/api/plugins', { query: { bot_id: botId } }), [botId]);
  const toggle = useAction(async (name: string, enabled: boolean) => {
    await call(`/api/plugins/${encodeURIComponent(name)}/toggle`, { method: 'POST', body: { ...(botId && { bot_id: botId }), enabled } });
    list.reload();
  });
  return (
    <Card title="Modules">
      <ErrorBox error={list.error ?? toggle.error} />
      <p className="muted">A module switched off stops everywhere for this bot: its bot commands stay silent, its API routes answer 403 MODULE_DISABLED and its jobs wait.</p>
      {(list.data?.plugins ?? []).map((p) => (
        <div key={p.name} className="row" style={{ alignItems: 'center', justifyContent: 'space-between', padding: '8px 0', borderBottom: '1px solid var(--border, #eee)' }}>
          <div>
            <Toggle label={p.name} checked={p.enabled} disabled={toggle.running} onChange={(next) => void toggle.run(p.name, next)} />
            <div className="muted">{p.description}</div>
          </div>
          <span className="muted" style={{ fontSize: '0.85rem' }}>{p.updated_at ? `changed ${formatDate(p.updated_at)}` : p.default_enabled ? 'on by default' : 'off by default'}</span>
        </div>
      ))}
    </Card>
  );
}
