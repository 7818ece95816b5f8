import { AppError } from '../../platform/errors.ts';

export type ProviderTaskState = 'running' | 'completed' | 'failed';

export interface ProviderTaskResult {
  state: ProviderTaskState;
  /** The provider's own status word (created, processing, completed...). */
  status: string;
  outputs: string[];
  error: string | null;
}

/**
 * An image provider: submit a task, read its state, know the account balance, host uploads.
 * WaveSpeed is the one we have; another provider implements the same four calls.
 */
export interface ImageProvider {
  readonly name: string;
  readonly configured: boolean;
  submit(model: string, input: Record<string, unknown>): Promise<{ taskId: string }>;
  result(taskId: string): Promise<ProviderTaskResult>;
  /** Account balance in USD. */
  balance(): Promise<number>;
  upload(file: { data: Buffer; filename: string; contentType: string }): Promise<{ url: string }>;
}

/**
 * Why a provider call failed: `insufficient_balance` (the account is empty: pause submissions),
 * `rejected` (the provider refused the input: do not retry), `unavailable` (network, timeout,
 * 5xx: retry later).
 */
export type ProviderFailure = 'insufficient_balance' | 'rejected' | 'unavailable' | 'not_configured';

export class ProviderError extends AppError {
  constructor(
    readonly failure: ProviderFailure,
    message: string,
    cause?: unknown,
  ) {
    const status = failure === 'rejected' ? 422 : failure === 'unavailable' ? 502 : 503;
    super(failure === 'insufficient_balance' ? 'PROVIDER_BALANCE_LOW' : `PROVIDER_${failure.toUpperCase()}`, { message, status, cause });
  }
}

interface WaveSpeedEnvelope<T> {
  code?: number;
  message?: string;
  data?: T;
}

const BALANCE_WORDS = /insufficient|balance|credit|quota/i;

/**
 * WaveSpeed AI over HTTP: `POST /api/v3/{model}` submits, `GET /api/v3/predictions/{id}/result`
 * polls (created → processing → completed | failed; anything else counts as still running),
 * `GET /api/v3/balance`, `POST /api/v3/media/upload/binary`. Every call has a timeout.
 */
export class WaveSpeedProvider implements ImageProvider {
  readonly name = 'wavespeed';

  constructor(private readonly options: { apiKey?: string; baseUrl: string; timeoutSeconds: number }) {}

  get configured(): boolean {
    return Boolean(this.options.apiKey);
  }

  async submit(model: string, input: Record<string, unknown>): Promise<{ taskId: string }> {
    const data = await this.call<{ id?: string }>('POST', `/api/v3/${model}`, JSON.stringify(input), { 'content-type': 'application/json' });
    if (!data?.id) throw new ProviderError('unavailable', 'Provider answered without a task id');
    return { taskId: data.id };
  }

  async result(taskId: string): Promise<ProviderTaskResult> {
    const data = await this.call<{ status?: string; outputs?: string[]; error?: string }>('GET', `/api/v3/predictions/${encodeURIComponent(taskId)}/result`);
    const status = String(data?.status ?? 'unknown');
    const state: ProviderTaskState = status === 'completed' ? 'completed' : status === 'failed' ? 'failed' : 'running';
    return { state, status, outputs: Array.isArray(data?.outputs) ? data.outputs.map(String) : [], error: data?.error ? String(data.error) : null };
  }

  async balance(): Promise<number> {
    const data = await this.call<{ balance?: number | string }>('GET', '/api/v3/balance');
    const balance = Number(data?.balance);
    if (!Number.isFinite(balance)) throw new ProviderError('unavailable', 'Provider answered without a balance');
    return balance;
  }

  async upload(file: { data: Buffer; filename: string; contentType: string }): Promise<{ url: string }> {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(file.data)], { type: file.contentType }), file.filename);
    const data = await this.call<{ download_url?: string; url?: string }>('POST', '/api/v3/media/upload/binary', form);
    const url = data?.download_url ?? data?.url;
    if (!url) throw new ProviderError('unavailable', 'Provider answered without a download URL');
    return { url };
  }

  private async call<T>(method: string, path: string, body?: string | FormData, headers: Record<string, string> = {}): Promise<T | undefined> {
    if (!this.options.apiKey) throw new ProviderError('not_configured', 'The image provider is not configured');
    let response: Response;
    try {
      response = await fetch(new URL(path, this.options.baseUrl), {
        method,
        headers: { authorization: `Bearer ${this.options.apiKey}`, ...headers },
        body,
        signal: AbortSignal.timeout(this.options.timeoutSeconds * 1000),
      });
    } catch (err) {
      throw new ProviderError('unavailable', `Provider unreachable: ${(err as Error).message}`, err);
    }
    const text = await response.text().catch(() => '');
    let parsed: WaveSpeedEnvelope<T> = {};
    try {
      parsed = text ? (JSON.parse(text) as WaveSpeedEnvelope<T>) : {};
    } catch {
      // A non-JSON answer (a proxy's error page) is judged by its status alone.
    }
    const code = parsed.code ?? response.status;
    if (response.ok && code >= 200 && code < 300) return parsed.data;
    const message = parsed.message ?? `Provider answered ${response.status}`;
    if (response.status === 402 || code === 402 || (response.status < 500 && BALANCE_WORDS.test(message))) {
      throw new ProviderError('insufficient_balance', `Provider balance too low: ${message}`);
    }
    if (response.status >= 500 || response.status === 429 || code >= 500) throw new ProviderError('unavailable', message);
    throw new ProviderError('rejected', message);
  }
}
