import type { Config } from '../config.ts';
import { jwtSigningKey } from '../deps.ts';
import { dataDirOwner, DataDirLockedError, type DataDirOwner } from '../db/data-dir-lock.ts';
import { signAdminLink } from '../modules/admin-link/admin-link.service.ts';

/** A CLI's usage mistake: printed with the usage, exit code 2, before anything is touched. */
export class UsageError extends Error {}

/**
 * The running server that owns the embedded data folder, when there is one. A live owner that
 * does not listen (a worker-only process, another CLI) cannot be worked through: that is a
 * DataDirLockedError. Null with PostgreSQL, which serves any number of processes.
 */
export function serverOwningDataDir(config: Config): (DataDirOwner & { api_url: string }) | null {
  if (config.DATABASE_URL || config.DATA_DIR.startsWith('memory://')) return null;
  const owner = dataDirOwner(config.DATA_DIR);
  if (!owner) return null;
  if (!owner.api_url) throw new DataDirLockedError(config.DATA_DIR, owner);
  return owner as DataDirOwner & { api_url: string };
}

/**
 * Calls the owning server's API as the operator: with the bootstrap key when configured, else
 * with an operator session from a one-time link signed by the same key the server signs with.
 */
export async function callServer<T>(config: Config, server: { pid: number; api_url: string }, method: string, path: string, body?: unknown): Promise<T> {
  const bearer = config.API_V2_KEY ?? (await operatorSession(config, server));
  const response = await request(server, method, path, bearer, body);
  const payload = (await response.json().catch(() => ({}))) as { data?: T; message?: string };
  if (!response.ok) throw new Error(`The server (process ${server.pid}) refused: ${payload.message ?? response.statusText} (HTTP ${response.status})`);
  return payload.data as T;
}

async function operatorSession(config: Config, server: { pid: number; api_url: string }): Promise<string> {
  const token = await signAdminLink(jwtSigningKey(config), null, 60);
  const response = await request(server, 'POST', '/api/v1/admin/auth/link', undefined, { token });
  const session = (await response.json().catch(() => ({}))) as { access_token?: string; message?: string };
  if (!response.ok || !session.access_token) {
    throw new Error(`The server (process ${server.pid}) did not accept this machine's operator login (${session.message ?? response.status}); set API_V2_KEY as the server has it.`);
  }
  return session.access_token;
}

async function request(server: { pid: number; api_url: string }, method: string, path: string, bearer: string | undefined, body?: unknown): Promise<Response> {
  try {
    return await fetch(`${server.api_url}${path}`, {
      method,
      headers: { ...(bearer && { authorization: `Bearer ${bearer}` }), ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (err) {
    throw new Error(`Process ${server.pid} holds DATA_DIR but its API at ${server.api_url} did not answer (${(err as Error).message}); stop it or wait until it is up.`);
  }
}
