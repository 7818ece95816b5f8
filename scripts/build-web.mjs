#!/usr/bin/env node
// Builds the admin panel and the Mini App into web/dist. With --if-stale (used before
// `npm start`), it builds only when web/dist is missing or older than the sources, and never
// fails the start: without the build tools the server still runs and /admin explains why.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const web = join(root, 'web');
const dist = join(web, 'dist');
const targets = ['admin', 'app'];
const ifStale = process.argv.includes('--if-stale');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function isStale(target) {
  const built = join(dist, target, 'index.html');
  // The panel also bundles the server's event names, so that file counts as a web source.
  const shared = statSync(join(root, 'src/platform/event-names.ts')).mtimeMs;
  return !existsSync(built) || statSync(built).mtimeMs < Math.max(newestSource(web), shared);
}

const wanted = ifStale ? targets.filter(isStale) : targets;
if (wanted.length === 0) process.exit(0);

let vite;
try {
  vite = join(dirname(fileURLToPath(import.meta.resolve('vite/package.json'))), 'bin', 'vite.js');
} catch {
  const message = 'vite is not installed (install dev dependencies: npm install), so the web front ends were not built.';
  if (ifStale) {
    console.warn(`[build-web] ${message} /admin and /app will answer 404 until \`npm run build:web\` runs.`);
    process.exit(0);
  }
  console.error(`[build-web] ${message}`);
  process.exit(1);
}

for (const target of wanted) {
  console.log(`[build-web] building ${target} → web/dist/${target}`);
  const run = spawnSync(process.execPath, [vite, 'build', '--config', join(web, 'vite.config.ts'), '--mode', target, '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) {
    if (ifStale) {
      console.warn(`[build-web] building ${target} failed; starting anyway.`);
      process.exit(0);
    }
    process.exit(run.status ?? 1);
  }
}
