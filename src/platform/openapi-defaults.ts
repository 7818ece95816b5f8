import type { FastifyInstance, RouteOptions } from 'fastify';

type DocumentedSchema = { hide?: boolean; summary?: string; description?: string; tags?: string[] };

const VERBS: Record<string, string> = { GET: 'Get', POST: 'Create', PUT: 'Set', PATCH: 'Update', DELETE: 'Delete' };

/**
 * Swagger UI lists an operation by its summary under its tag; without them /docs is a wall of
 * bare paths. Routes that declare neither get defaults here, so a new route cannot go undocumented.
 */
export function installOperationDefaults(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const schema = (route.schema ?? {}) as DocumentedSchema;
    if (schema.hide) return;
    const method = String(Array.isArray(route.method) ? route.method[0] : route.method).toUpperCase();
    const segments = route.url.replace(/^\/api(\/v\d+)?(?=\/)/, '').split('/').filter(Boolean);
    const words = segments.filter((s) => !s.startsWith(':')).map((s) => s.replace(/[-_]/g, ' '));
    if (!schema.summary) schema.summary = summaryOf(method, segments, words, schema.description);
    if (!schema.tags?.length) schema.tags = [words[0] ?? 'system'];
    route.schema = schema as RouteOptions['schema'];
  });
}

/** The description's first sentence when it is short, else the method and path in words. */
function summaryOf(method: string, segments: string[], words: string[], description: string | undefined): string {
  const first = description?.split(/(?<=\.)\s/)[0]?.trim().replace(/\.$/, '');
  if (first && first.length <= 100) return first;
  const last = segments.at(-1);
  const byParam = last?.startsWith(':') ? ` by ${last.slice(1).replace(/_/g, ' ')}` : '';
  return `${VERBS[method] ?? method} ${words.join(' ') || 'index'}${byParam}`;
}
