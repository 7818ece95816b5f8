/**
 * A fake WaveSpeed AI server for tests and benchmarks: the real HTTP shapes (`POST /api/v3/{model}`,
 * `GET /api/v3/predictions/{id}/result`, `GET /api/v3/balance`, `POST /api/v3/media/upload/binary`)
 * with scripted behaviors per submitted task: success (after a delay), failure, slow (never done),
 * flapping (5xx on every other poll before success).
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export type Behavior =
  | { kind: 'success'; afterMs?: number; outputs?: string[] }
  | { kind: 'failure'; afterMs?: number; error?: string }
  | { kind: 'slow' }
  | { kind: 'flapping'; afterMs?: number };

export interface FakeTask {
  id: string;
  model: string;
  input: Record<string, unknown>;
  behavior: Behavior;
  createdAt: number;
  polls: number;
  /** When the task counts as completed at the provider (success only). */
  completesAt: number | null;
}

export interface FakeProvider {
  url: string;
  apiKey: string;
  tasks: Map<string, FakeTask>;
  uploads: { filename: string; size: number }[];
  /** USD. */
  balance: number;
  /** Behavior for tasks submitted when the script is empty. */
  defaultBehavior: Behavior;
  /** Behaviors for the next submissions, in order. */
  script(...behaviors: Behavior[]): void;
  /** The next `times` submissions answer this HTTP status (e.g. 402 for an empty account). */
  failSubmits(status: number, message: string, times?: number): void;
  close(): Promise<void>;
}

export async function startFakeProvider(options: { apiKey?: string } = {}): Promise<FakeProvider> {
  const apiKey = options.apiKey ?? 'fake-wavespeed-key';
  const queue: Behavior[] = [];
  const submitFaults: { status: number; message: string }[] = [];
  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const readBody = (req: http.IncomingMessage) =>
    new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });

  const fake: FakeProvider = {
    url: '',
    apiKey,
    tasks: new Map(),
    uploads: [],
    balance: 100,
    defaultBehavior: { kind: 'success' },
    script: (...behaviors) => void queue.push(...behaviors),
    failSubmits: (status, message, times = 1) => {
      for (let i = 0; i < times; i++) submitFaults.push({ status, message });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const outputsOf = (task: FakeTask) =>
    task.behavior.kind === 'success' && task.behavior.outputs ? task.behavior.outputs : [`https://cdn.fake-provider.test/${task.id}/0.png`];

  const server = http.createServer(async (req, res) => {
    const body = await readBody(req);
    if (req.headers.authorization !== `Bearer ${apiKey}`) return send(res, 401, { code: 401, message: 'Unauthorized' });
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname;

    if (req.method === 'GET' && path === '/api/v3/balance') return send(res, 200, { code: 200, message: 'success', data: { balance: fake.balance } });

    if (req.method === 'POST' && path === '/api/v3/media/upload/binary') {
      const name = /filename="([^"]+)"/.exec(body.toString('latin1'))?.[1] ?? 'upload.bin';
      fake.uploads.push({ filename: name, size: body.length });
      return send(res, 200, { code: 200, message: 'success', data: { type: 'image', download_url: `https://cdn.fake-provider.test/uploads/${randomUUID()}/${name}`, filename: name, size: body.length } });
    }

    const poll = /^\/api\/v3\/predictions\/([^/]+)\/result$/.exec(path);
    if (req.method === 'GET' && poll) {
      const task = fake.tasks.get(poll[1]);
      if (!task) return send(res, 404, { code: 404, message: 'prediction not found' });
      task.polls++;
      const b = task.behavior;
      const due = Date.now() >= task.createdAt + ('afterMs' in b ? (b.afterMs ?? 0) : 0);
      if (b.kind === 'flapping' && task.polls % 2 === 1) return send(res, 503, { code: 503, message: 'upstream flapping' });
      let status = 'processing';
      if (b.kind !== 'slow' && due) status = b.kind === 'failure' ? 'failed' : 'completed';
      const data = {
        id: task.id,
        model: task.model,
        status,
        outputs: status === 'completed' ? outputsOf(task) : [],
        error: status === 'failed' ? (b as { error?: string }).error ?? 'content policy violation' : '',
      };
      return send(res, 200, { code: 200, message: 'success', data });
    }

    if (req.method === 'POST' && path.startsWith('/api/v3/')) {
      const fault = submitFaults.shift();
      if (fault) return send(res, fault.status, { code: fault.status, message: fault.message });
      const behavior = queue.shift() ?? fake.defaultBehavior;
      const id = randomUUID().replace(/-/g, '');
      const createdAt = Date.now();
      const afterMs = 'afterMs' in behavior ? (behavior.afterMs ?? 0) : 0;
      fake.tasks.set(id, {
        id,
        model: path.slice('/api/v3/'.length),
        input: body.length ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {},
        behavior,
        createdAt,
        polls: 0,
        completesAt: behavior.kind === 'success' || behavior.kind === 'flapping' ? createdAt + afterMs : null,
      });
      return send(res, 200, { code: 200, message: 'success', data: { id, status: 'created', urls: { get: `${fake.url}/api/v3/predictions/${id}/result` } } });
    }
    send(res, 404, { code: 404, message: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
