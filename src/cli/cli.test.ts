import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// The real CLIs and server, spawned against a data folder in a temp directory (embedded PGlite).
const root = path.resolve(import.meta.dirname, '../..');
const BOOTSTRAP_KEY = 'cli-test-bootstrap-key-0123456789';

function envFor(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn', PORT: '0', HOST: '127.0.0.1', ...extra };
  for (const key of ['DATABASE_URL', 'REDIS_URL', 'API_V2_KEY', 'JWT_SECRET', 'TOKEN_ENCRYPTION_KEY', 'PUBLIC_URL']) if (!(key in extra)) delete env[key];
  return env;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const tsx = (script: string, args: string[], env: NodeJS.ProcessEnv) => run(process.execPath, ['--import', 'tsx', script, ...args], env);
const keys = (args: string[], env: NodeJS.ProcessEnv) => tsx('src/cli/keys.ts', args, env);

function lockOf(dataDir: string): { pid: number; api_url?: string } | null {
  try {
    return JSON.parse(readFileSync(path.join(dataDir, 'owner.lock'), 'utf8'));
  } catch {
    return null;
  }
}

/** Starts `src/main.ts` and waits until it advertises its API in the data folder's lock. */
async function startServer(dataDir: string, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: root, env: { ...env, ROLES: 'api,worker' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 180_000;
  for (;;) {
    const lock = lockOf(dataDir);
    if (lock && lock.pid === child.pid && lock.api_url) return { child, url: lock.api_url, output: () => output };
    if (child.exitCode !== null) throw new Error(`server exited: ${output}`);
    if (Date.now() > deadline) throw new Error(`server did not come up: ${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopServer(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

const NO_STACK = /^\s+at /m;

// The data folder lock and the CLIs concern the embedded default only: the PostgreSQL suite skips
// this file rather than run the same minutes of spawned processes twice.
describe('keys and admin-link CLIs on an embedded data folder', { skip: !!process.env.TEST_DATABASE_URL && 'embedded default only (PGlite data folder)' }, () => {
  const temp = mkdtempSync(path.join(tmpdir(), 'tgbase-cli-'));
  after(() => rmSync(temp, { recursive: true, force: true }));

  it('should print usage for --help and refuse an invalid scope before anything is written', async () => {
    const dataDir = path.join(temp, 'untouched');
    const help = await run('npm', ['run', '--silent', 'keys', '--', '--help'], envFor(dataDir));
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /usage: npm run keys -- create --name NAME/);

    const galaxy = await keys(['create', '--name', 'x', '--scope', 'galaxy'], envFor(dataDir));
    assert.equal(galaxy.code, 2);
    assert.match(galaxy.stderr, /--scope must be equal to one of the allowed values/);
    const unknown = await keys(['create', '--name', 'x', '--colour', 'red'], envFor(dataDir));
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown option '--colour'/);
    assert.equal(existsSync(dataDir), false, 'no data folder was created');
  });

  it('should manage keys in a folder no server holds, and take over a stale lock', async () => {
    const dataDir = path.join(temp, 'alone');
    const created = await keys(['create', '--name', 'first', '--scope', 'global', '--access', 'read'], envFor(dataDir));
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /"name": "first"/);
    assert.equal(lockOf(dataDir), null, 'the CLI released the folder');

    // A lock left by a process that is gone (crash, kill -9).
    const dead = await run(process.execPath, ['-e', 'console.log(process.pid)'], process.env);
    writeFileSync(path.join(dataDir, 'owner.lock'), JSON.stringify({ pid: Number(dead.stdout.trim()), command: 'server', since: new Date().toISOString() }));
    const listed = await keys(['list'], envFor(dataDir));
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /first/);
  });

  it('should name the live owner in one line when it has no API to work through', async () => {
    const dataDir = path.join(temp, 'held');
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    try {
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(path.join(dataDir, 'owner.lock'), JSON.stringify({ pid: holder.pid, command: 'npm run keys', since: new Date().toISOString() }));
      const refused = await keys(['create', '--name', 'second'], envFor(dataDir));
      assert.equal(refused.code, 1);
      assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
      assert.match(refused.stderr, new RegExp(`in use by process ${holder.pid}`));
    } finally {
      holder.kill();
    }
  });

  describe('while a server holds the folder', () => {
    const dataDir = path.join(temp, 'served');
    let server: Awaited<ReturnType<typeof startServer>>;
    before(async () => {
      server = await startServer(dataDir, envFor(dataDir));
    });
    after(async () => {
      if (server) await stopServer(server.child);
    });

    it('should create a key through the server that the server accepts at once, and leave the panel able to create the next', async () => {
      const created = await keys(['create', '--name', 'from-cli', '--scope', 'global'], envFor(dataDir));
      assert.equal(created.code, 0, created.stderr);
      assert.match(created.stderr, new RegExp(`through the server at ${server.url.replace(/[.]/g, '\\.')}, process ${server.child.pid}`));
      const key = JSON.parse(created.stdout.slice(0, created.stdout.lastIndexOf('}') + 1)).key as string;

      const listed = await fetch(`${server.url}/api/v2/keys`, { headers: { authorization: `Bearer ${key}` } });
      assert.equal(listed.status, 200);
      const next = await fetch(`${server.url}/api/v2/keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'from-panel', scope: 'global', access: 'read' }),
      });
      assert.equal(next.status, 201, await next.text());
    });

    it('should refuse a second server on the same folder with one line naming the owner', async () => {
      const second = await tsx('src/main.ts', [], { ...envFor(dataDir), ROLES: 'api' });
      assert.equal(second.code, 1);
      assert.equal(second.stderr.trim().split('\n').length, 1, second.stderr);
      assert.match(second.stderr, new RegExp(`in use by process ${server.child.pid} \\(server`));
      assert.doesNotMatch(second.stderr, NO_STACK);
    });

    it('should print an admin link to the running server that it redeems once', async () => {
      const link = await tsx('src/cli/admin-link.ts', [], envFor(dataDir));
      assert.equal(link.code, 0, link.stderr);
      const url = link.stdout.trim();
      assert.ok(url.startsWith(`${server.url}/admin/#/link/`), url);
      const redeem = () =>
        fetch(`${server.url}/api/v1/admin/auth/link`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: url.split('/link/')[1] }) });
      assert.equal((await redeem()).status, 200);
      assert.equal((await redeem()).status, 401);
    });

    it('should keep every key after a clean restart, and release the folder on shutdown', async () => {
      assert.equal(await stopServer(server.child), 0, server.output());
      assert.equal(lockOf(dataDir), null);
      server = await startServer(dataDir, envFor(dataDir));
      const listed = await keys(['list'], envFor(dataDir));
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, /from-cli/);
      assert.match(listed.stdout, /from-panel/);
    });
  });

  it('should explain a damaged database and how to recover, without a stack trace', async () => {
    const dataDir = path.join(temp, 'damaged');
    assert.equal((await keys(['list'], envFor(dataDir))).code, 0);
    writeFileSync(path.join(dataDir, 'pg', 'global', 'pg_control'), Buffer.alloc(8192, 7));
    const started = await tsx('src/main.ts', [], envFor(dataDir));
    assert.equal(started.code, 1);
    assert.match(started.stderr, /could not be opened .*To recover: .*mv .*pg\.broken/);
    assert.doesNotMatch(started.stderr, NO_STACK);
    assert.equal(lockOf(dataDir), null, 'a failed open releases the folder');
  });
});
