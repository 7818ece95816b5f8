import type { Deps, Services } from '../deps.ts';

export type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
    deps: Deps;
  }
}
