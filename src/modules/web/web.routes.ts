import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/** The front ends tgbase serves: the admin panel and the Telegram Mini App. */
const FRONT_ENDS = [
  { name: 'admin', title: 'Admin panel' },
  { name: 'app', title: 'Mini App' },
] as const;

const notBuiltPage = (title: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} not built</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5">
<h1>${title} is not built</h1>
<p>The web front ends are static files built from <code>web/</code>. Build them once with</p>
<pre style="background:#f4f5f7;padding:.75rem;border-radius:6px">npm run build:web</pre>
<p>(<code>npm start</code> does this by itself when the build tools are installed.) Then reload this page.</p>
</body></html>`;

/**
 * Serves web/dist/admin at /admin/ and web/dist/app at /app/. Hashed assets are cached for a
 * year; index.html never, so a deploy is picked up on the next load. A missing build answers a
 * 404 page that says how to build it, instead of a bare "Not Found".
 */
export async function webRoutes(app: FastifyInstance, options: { distDir: string }): Promise<void> {
  for (const { name, title } of FRONT_ENDS) {
    const root = join(options.distDir, name);
    const prefix = `/${name}/`;
    app.get(`/${name}`, { schema: { hide: true } }, (_request, reply) => reply.redirect(prefix));
    if (!existsSync(join(root, 'index.html'))) {
      const answer = (_request: unknown, reply: FastifyReply) => reply.status(404).type('text/html; charset=utf-8').send(notBuiltPage(title));
      app.get(prefix, { schema: { hide: true } }, answer);
      app.get(`${prefix}*`, { schema: { hide: true } }, answer);
      continue;
    }
    const assets = join(root, 'assets');
    await app.register(async (scope) => {
      await scope.register(fastifyStatic, {
        root,
        prefix,
        index: ['index.html'],
        wildcard: true,
        cacheControl: false,
        setHeaders: (reply, path) => {
          reply.header('cache-control', path.startsWith(assets) ? 'public, max-age=31536000, immutable' : 'no-cache');
        },
      });
    });
  }
}
