import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance } from 'fastify';

/**
 * The Prometheus registry of one process: default process metrics (CPU, memory, event loop,
 * GC, handles) plus what modules register. Each deps object owns one, so several apps in one
 * test process do not collide.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'tgbase' });
  collectDefaultMetrics({ register: registry, prefix: 'tgbase_' });
  return registry;
}

/**
 * Times every HTTP request by route pattern (never the raw URL, which would explode label
 * cardinality with ids) and status.
 */
export function instrumentHttp(app: FastifyInstance, registry: Registry): void {
  const duration = new Histogram({
    name: 'tgbase_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    duration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
}
