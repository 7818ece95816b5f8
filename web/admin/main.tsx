import { StrictMode, useState, type ComponentType } from 'react';
import { createRoot } from 'react-dom/client';
import '../shared/style.css';
import { SessionProvider, useSession } from './session.tsx';
import { navigate, useRoute } from './router.ts';
import { LoginPage } from './pages/login.tsx';
import { DashboardPage } from './pages/dashboard.tsx';
import { UsersPage } from './pages/users.tsx';
import { GroupsPage } from './pages/groups.tsx';
import { BroadcastsPage } from './pages/broadcasts.tsx';
import { ModelsPage } from './pages/models.tsx';
import { SettingsPage } from './pages/settings.tsx';
import { ApiKeysPage } from './pages/api-keys.tsx';
import { WebhooksPage } from './pages/webhooks.tsx';
import { LogsPage } from './pages/logs.tsx';
import { PluginsPage } from './pages/plugins.tsx';

export interface PageProps {
  /** Route segments after the page name, e.g. ['42'] for #/users/42. */
  params: string[];
}

const PAGES: { path: string; title: string; page: ComponentType<PageProps> }[] = [
  { path: 'dashboard', title: 'Dashboard', page: DashboardPage },
  { path: 'users', title: 'Users', page: UsersPage },
  { path: 'groups', title: 'Groups', page: GroupsPage },
  { path: 'broadcasts', title: 'Broadcasts', page: BroadcastsPage },
  { path: 'models', title: 'Models & prices', page: ModelsPage },
  { path: 'plugins', title: 'Modules', page: PluginsPage },
  { path: 'settings', title: 'System settings', page: SettingsPage },
  { path: 'keys', title: 'API keys', page: ApiKeysPage },
  { path: 'webhooks', title: 'Webhooks', page: WebhooksPage },
  { path: 'logs', title: 'Live logs', page: LogsPage },
];

function Shell() {
  const session = useSession();
  const [name = 'dashboard', ...params] = useRoute();
  const [menuOpen, setMenuOpen] = useState(false);

  if (name === 'link') return <LoginPage linkToken={params[0]} />;
  if (!session.ready) return <div className="center muted">Loading…</div>;
  if (!session.token) return <LoginPage />;

  const current = PAGES.find((p) => p.path === name) ?? PAGES[0];
  const Page = current.page;
  return (
    <div className="shell">
      <nav className={`sidebar${menuOpen ? ' open' : ''}`} onClick={() => setMenuOpen(false)}>
        <div className="brand">tgbase</div>
        {PAGES.map((p) => (
          <a key={p.path} href={`#/${p.path}`} className={p === current ? 'current' : undefined}>
            {p.title}
          </a>
        ))}
        <span className="spacer" />
        <span className="muted" style={{ padding: '0 10px', fontSize: '0.85rem' }}>
          {session.admin ? (session.admin.username ? `@${session.admin.username}` : session.admin.first_name) : /^[\w-]+\.[\w-]+\.[\w-]+$/.test(session.token) ? 'Operator session' : 'API key session'}
        </span>
        <a href="#/" onClick={() => session.signOut()}>Sign out</a>
      </nav>
      <main>
        <div className="topbar">
          <div className="row" style={{ alignItems: 'center' }}>
            <button className="secondary menu-button" aria-label="Menu" onClick={() => setMenuOpen(true)}>☰</button>
            <h1 style={{ margin: 0 }}>{current.title}</h1>
          </div>
          <BotSwitcher />
        </div>
        <Page key={`${current.path}:${session.botId}`} params={params} />
      </main>
    </div>
  );
}

function BotSwitcher() {
  const { bots, botId, setBotId } = useSession();
  if (bots.length === 0) return <span className="muted">No bots yet</span>;
  return (
    <label className="row" style={{ alignItems: 'center', gap: 6 }}>
      <span className="muted">Bot</span>
      <select aria-label="Bot" value={botId ?? ''} onChange={(e) => setBotId(Number(e.target.value))}>
        {bots.map((b) => (
          <option key={b.bot_id} value={b.bot_id}>{b.label}</option>
        ))}
      </select>
    </label>
  );
}

if (location.hash === '') navigate('dashboard');
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <SessionProvider>
      <Shell />
    </SessionProvider>
  </StrictMode>,
);
