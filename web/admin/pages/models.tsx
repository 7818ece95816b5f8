import { useState } from 'react';
import { useAction, useLoad } from '../../shared/hooks.ts';
import { Card, ErrorBox, Table, Toggle, formatNumber } from '../../shared/ui.tsx';
import { useSession } from '../session.tsx';
import { rowsOf } from './dashboard.tsx';

interface Model {
  model_id: string;
  name: string;
  is_active: boolean;
  price?: number | null;
  credits?: number | null;
  generation_count?: number;
  [field: string]: unknown;
}

const priceOf = (m: Model) => Number(m.credits ?? m.price ?? (m.prices as { credits?: number }[] | undefined)?.[0]?.credits ?? 0);

export function ModelsPage() {
  const { call, botId } = useSession();
  const models = useLoad(() => call<unknown>('/api/v1/admin/models').then((p) => rowsOf(p) as Model[]), [botId]);
  const [prices, setPrices] = useState<Record<string, string>>({});
  const patch = useAction(async (model: Model, body: object) => {
    await call(`/api/v1/admin/models/${encodeURIComponent(model.model_id)}`, { method: 'PATCH', body });
    models.reload();
  });
  const setPrice = useAction(async (model: Model) => {
    const credits = Number(prices[model.model_id]);
    if (!Number.isInteger(credits) || credits < 0) throw new Error('A price is a whole number of credits.');
    await call(`/api/v1/admin/models/${encodeURIComponent(model.model_id)}/price`, { method: 'PUT', body: { credits } });
    setPrices(({ [model.model_id]: _, ...rest }) => rest);
    models.reload();
  });
  return (
    <Card title="Model catalog">
      <ErrorBox error={models.error ?? patch.error ?? setPrice.error} />
      <Table
        rows={models.data ?? []}
        rowKey={(m) => m.model_id}
        empty={models.loading ? 'Loading…' : 'No models in the catalog.'}
        columns={[
          { title: 'Active', render: (m) => <Toggle label="" checked={m.is_active} onChange={(next) => void patch.run(m, { is_active: next })} /> },
          { title: 'Model', render: (m) => <><b>{m.name}</b> <span className="mono muted">{m.model_id}</span></> },
          { title: 'Generations', render: (m) => formatNumber(m.generation_count) },
          {
            title: 'Price (credits)',
            render: (m) => (
              <form className="row" onSubmit={(e) => { e.preventDefault(); void setPrice.run(m); }}>
                <input aria-label={`Price of ${m.model_id}`} style={{ width: 90 }} inputMode="numeric" value={prices[m.model_id] ?? String(priceOf(m))} onChange={(e) => setPrices({ ...prices, [m.model_id]: e.target.value })} />
                {prices[m.model_id] !== undefined && <button type="submit" disabled={setPrice.running}>Save</button>}
              </form>
            ),
          },
        ]}
      />
    </Card>
  );
}
