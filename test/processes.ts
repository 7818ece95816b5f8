/**
 * tgbase as it runs in production, for end-to-end tests: real OS processes of `src/main.ts`, one
 * role each, on a PostgreSQL database and a Redis prefix of their own. Every process writes its
 * log to a file (kept for post-mortem), and everything started here is killed on `stop()` or,
 * failing that, when the test process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Role } from '../src/config.ts';
import { createTestDatabase, type TestDatabase } from './app.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface TgbaseProcess {
  name: string;
  roles: Role[];
  /** `http://127.0.0.1:<port>`; only processes with the api role listen. */
  url: string;
  logFile: string;
  child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** The process's log so far, one parsed pino line per entry (lines that are not JSON kept as `msg`). */
  logLines(): { msg?: string; level?: number; [key: string]: unknown }[];
}

export interface ClusterOptions {
  /** PostgreSQL URL with rights to create databases (TEST_DATABASE_URL). */
  adminDatabaseUrl: string;
  redisUrl: string;
  /** Settings every process gets (the Telegram API root, provider URL, keys...). */
  env: Record<string, string>;
}

/** A free TCP port on 127.0.0.1 (closed again at once, so a process can listen on it). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Processes of one tgbase deployment sharing a fresh database and Redis prefix.
 *
 * @example
 * const cluster = await TgbaseCluster.create({ adminDatabaseUrl, redisUrl, env: { TELEGRAM_API_ROOT: emu.apiRoot } });
 * const api = await cluster.start('api1', ['api']);
 * await cluster.stop();
 */
export class TgbaseCluster {
  readonly processes: TgbaseProcess[] = [];
  readonly logDir: string;
  readonly redisPrefix: string;
  private readonly killOnExit = () => {
    for (const p of this.processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  };

  private constructor(
    private readonly options: ClusterOptions,
    private readonly database: TestDatabase,
  ) {
    this.logDir = mkdtempSync(path.join(os.tmpdir(), 'tgbase-e2e-'));
    this.redisPrefix = `tgbase-e2e-${path.basename(this.logDir).slice('tgbase-e2e-'.length)}:`;
    process.once('exit', this.killOnExit);
  }

  static async create(options: ClusterOptions): Promise<TgbaseCluster> {
    return new TgbaseCluster(options, await createTestDatabase(options.adminDatabaseUrl, 'tgbase_e2e'));
  }

  get databaseUrl(): string {
    return this.database.url;
  }

  /**
   * Spawns `node --import tsx src/main.ts` with `ROLES=<roles>` and waits until it is ready: an
   * api process answers `/health` with 200, any other has logged `tgbase starting` (its database,
   * cache and job engine are open) and then registered its jobs.
   */
  async start(name: string, roles: Role[], options: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<TgbaseProcess> {
    const port = roles.includes('api') ? await freePort() : 0;
    const logFile = path.join(this.logDir, `${name}.log`);
    const log = createWriteStream(logFile, { flags: 'a' });
    await new Promise((resolve) => log.once('open', resolve));
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.tmpdir(),
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      ROLES: roles.join(','),
      DATABASE_URL: this.database.url,
      REDIS_URL: this.options.redisUrl,
      REDIS_PREFIX: this.redisPrefix,
      DATA_DIR: path.join(this.logDir, 'data'),
      LOG_LEVEL: 'info',
      ...this.options.env,
      ...options.env,
    };
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
    void exited.then(() => log.end());
    const proc: TgbaseProcess = {
      name,
      roles,
      url: `http://127.0.0.1:${port}`,
      logFile,
      child,
      exited,
      logLines: () => parseLog(logFile),
    };
    this.processes.push(proc);
    await this.waitReady(proc, options.timeoutMs ?? 180_000);
    return proc;
  }

  private async waitReady(proc: TgbaseProcess, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exitCode: number | string | undefined;
    void proc.exited.then((code) => (exitCode = code));
    for (;;) {
      if (exitCode !== undefined) throw new Error(`${proc.name} exited (${exitCode}) before it was ready; log: ${proc.logFile}\n${tail(proc.logFile)}`);
      if (Date.now() > deadline) throw new Error(`${proc.name} not ready after ${timeoutMs} ms; log: ${proc.logFile}\n${tail(proc.logFile)}`);
      if (await this.isReady(proc)) return;
      await sleep(100);
    }
  }

  private async isReady(proc: TgbaseProcess): Promise<boolean> {
    if (proc.roles.includes('api')) {
      try {
        const res = await fetch(`${proc.url}/health`, { signal: AbortSignal.timeout(2000) });
        return res.status === 200;
      } catch {
        return false;
      }
    }
    // main.ts logs this once its dependencies are open; the job workers and bots start right after.
    if (!proc.logLines().some((l) => l.msg === 'tgbase starting')) return false;
    await sleep(1000);
    return true;
  }

  /** Sends `signal` and waits for the exit (SIGKILL after `graceMs` if the process lingers). */
  async kill(proc: TgbaseProcess, signal: NodeJS.Signals, graceMs = 10_000): Promise<number | string> {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return proc.exited;
    proc.child.kill(signal);
    const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
    const code = await proc.exited;
    clearTimeout(timer);
    return code;
  }

  /** Stops every process (SIGTERM, then SIGKILL after 10 s) and drops the database. Logs stay in `logDir`. */
  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => this.kill(p, 'SIGTERM')));
    process.off('exit', this.killOnExit);
    await this.database.drop();
  }
}

function parseLog(file: string): { msg?: string; level?: number; [key: string]: unknown }[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      try {
        return JSON.parse(line) as { msg?: string };
      } catch {
        return { msg: line };
      }
    });
}

/** The last lines of a log file, for failure messages. */
export function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines - 1).join('\n');
  } catch {
    return '(no log)';
  }
}
