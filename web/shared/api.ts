/** An API answer other than 2xx, in the server's documented error shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  method?: string;
  body?: unknown;
  query?: Query;
  headers?: Record<string, string>;
}

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}${path.includes('?') ? '&' : '?'}${qs}` : path;
}

/**
 * Calls the tgbase API. Routes answer either seed 001's envelope `{success, data, message}` or
 * a plain object (seeds 002 and 004); both come back as the payload itself.
 */
export async function request<T>(path: string, credentials: Record<string, string>, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...credentials, ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(withQuery(path, options.query), { method: options.method ?? 'GET', headers, body });
  const text = await response.text();
  let payload: unknown = null;
  if (text) {
    try {
      payload = JSON.parse(text);
    } catch {
      payload = text;
    }
  }
  if (!response.ok) {
    const err = (payload ?? {}) as { error?: unknown; message?: unknown; code?: unknown; detail?: unknown };
    const message = [err.error, err.detail, err.message].find((m): m is string => typeof m === 'string') ?? `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, message, typeof err.code === 'string' ? err.code : null);
  }
  if (payload && typeof payload === 'object' && 'success' in payload && 'data' in payload) return (payload as { data: T }).data;
  return payload as T;
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError) return `${err.message}${err.code ? ` (${err.code})` : ''}`;
  return err instanceof Error ? err.message : String(err);
}
