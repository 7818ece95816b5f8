import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Who holds an embedded data folder, as written in its lock file. */
export interface DataDirOwner {
  pid: number;
  /** What the owner is (`server`, `keys`, `admin-link`), for the message a second process prints. */
  command: string;
  since: string;
  /** Linux process start time (clock ticks since boot): tells a live owner from a reused PID. */
  start_ticks?: string;
  /** Where the owner's HTTP API listens, once it does: CLIs work through it instead of the folder. */
  api_url?: string;
}

/**
 * A second process opened the data folder while its owner runs. PGlite is single-process: two
 * writers on one folder corrupt it, so the second one stops with this one-line explanation.
 */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: DataDirOwner,
  ) {
    super(
      `DATA_DIR ${dataDir} is in use by process ${owner.pid} (${owner.command}, since ${owner.since}): ` +
        (owner.command === 'server'
          ? 'one process owns an embedded database; stop that server first, or act through its API (npm run keys and npm run admin-link do so by themselves while it listens).'
          : 'wait for it to finish, or stop it, then try again.'),
    );
  }
}

export interface DataDirLock {
  readonly owner: DataDirOwner;
  /** Records the API URL in the lock file so other processes can reach this owner. */
  advertise(apiUrl: string): void;
  release(): void;
}

const LOCK_FILE = 'owner.lock';

/**
 * Takes ownership of an embedded data folder, creating it if needed. A lock whose process is
 * gone (crash, kill -9) is stale and taken over; a live owner makes this throw DataDirLockedError.
 *
 * @example
 * const lock = acquireDataDirLock('./data', 'server');
 * try { ... } finally { lock.release(); }
 */
export function acquireDataDirLock(dataDir: string, command: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_FILE);
  const owner: DataDirOwner = { pid: process.pid, command, since: new Date().toISOString(), start_ticks: startTicksOf(process.pid) };
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(owner), { flag: 'wx', mode: 0o600 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw err;
      const current = readOwner(file);
      if (current && isAlive(current)) throw new DataDirLockedError(dataDir, current);
      removeIf(file, (held) => held === null || !isAlive(held));
    }
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    removeIf(file, (held) => held?.pid === process.pid);
  };
  // A process that exits without closing (uncaught error, process.exit) must not leave a lock behind.
  process.on('exit', release);
  return {
    owner,
    advertise(apiUrl) {
      owner.api_url = apiUrl;
      if (!released) writeFileSync(file, JSON.stringify(owner), { mode: 0o600 });
    },
    release,
  };
}

/** The live owner of a data folder, or null when nobody (or only a dead process) holds it. */
export function dataDirOwner(dataDir: string): DataDirOwner | null {
  const owner = readOwner(path.join(dataDir, LOCK_FILE));
  return owner && isAlive(owner) ? owner : null;
}

function readOwner(file: string): DataDirOwner | null {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as DataDirOwner;
    return Number.isSafeInteger(parsed.pid) && parsed.pid > 0 ? parsed : null;
  } catch {
    return null;
  }
}

function removeIf(file: string, predicate: (held: DataDirOwner | null) => boolean): void {
  try {
    if (predicate(readOwner(file))) unlinkSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function isAlive(owner: DataDirOwner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // After a reboot the PID may belong to an unrelated process; its start time gives it away.
  const ticks = startTicksOf(owner.pid);
  return !(owner.start_ticks && ticks && ticks !== owner.start_ticks);
}

function startTicksOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; the start time is field 22 overall.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
