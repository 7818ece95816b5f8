import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import { buildTestApp, type TestApp } from './app.ts';
import { registerBot } from './ops.ts';
import { startTelegramEmulator, type TelegramEmulator } from './telegram-emulator.ts';

/*
 * Malformed input against every operation in /openapi.json, enumerated at run time so a new
 * route is covered without anyone remembering it. Deterministic: every case is derived from the
 * document; where cases are sampled, a seeded generator picks them (FUZZ_SEED to vary it).
 * Asserts no 5xx and the error envelope on every 4xx.
 */

type Schema = Record<string, any>;
interface Operation {
  method: string;
  path: string;
  params: { name: string; in: string; schema: Schema; required?: boolean }[];
  body?: Schema;
}
interface Case {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const BOT = { id: 7_900_001, token: '7900001:AAfuzz-bot-0123456789abcdefghijklmno' };
const GROUP_ID = -1_009_000_000_001;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Path and query values as they appear in a URL (already percent-encoded where needed); the first ones go to every parameter. */
const URL_CORE = 8;
const URL_VALUES = [
  'Infinity', '1e400', '9223372036854775808', '1'.repeat(40), '2147483648', 'a%00b', 'x'.repeat(101), '%FF',
  '-1', 'abc', '-Infinity', '-1e400', 'NaN', '1.5', '0', '0x10', '1e3', '9223372036854775807', '-9223372036854775809',
  'true', 'null', '%00', '%2500', '%C0%80', '%E2%80%AE%E2%80%8B', '%F0%9F%92%A9', '%ED%A0%80', '..%2F..%2Fetc', '%20', '%5B%5D',
];
/** JSON fragments put in place of one field of an otherwise valid body; the first ones go to every top-level field. */
const JSON_CORE = 7;
const JSON_VALUES = [
  'null', '"abc"', '"a\\u0000b"', '{"a\\u0000":1}', '1e400', '9223372036854775808', '2147483648',
  '-1', '[]', 'true', '""', '"\\u0000"', '"\\ud800"', '"\\u202e\\u200b\\ud835\\udd4f💩"', '-1e400', '-9223372036854775809', '-2147483649',
  '1.5', '0', '{}', '[1,"a",null]', '{"__proto__":{"polluted":1}}', `"${'x'.repeat(70_000)}"`,
];
/** Whole bodies that are wrong before any field is looked at; the multipart ones go to every write. */
const RAW_BODIES: { contentType?: string; payload: string }[] = [
  { contentType: 'application/json', payload: '' },
  { contentType: 'application/json', payload: '{"a":' },
  { contentType: 'application/json', payload: "{'a':1}" },
  { contentType: 'application/json', payload: 'null' },
  { contentType: 'application/json', payload: '[]' },
  { contentType: 'application/json', payload: '"text"' },
  { contentType: 'application/json', payload: '1e400' },
  { contentType: 'application/json', payload: '{}' },
  { contentType: 'application/json', payload: '{"__proto__":{"x":1}}' },
  { contentType: 'application/json', payload: '{"constructor":{"prototype":{"x":1}}}' },
  { contentType: 'application/json', payload: `${'['.repeat(5000)}${']'.repeat(5000)}` },
  { contentType: 'application/json; charset=latin1', payload: '{}' },
  { contentType: 'text/plain', payload: 'hello' },
  { contentType: 'application/x-www-form-urlencoded', payload: 'a=1&b=%00' },
  { contentType: 'application/xml', payload: '<a/>' },
  { contentType: 'multipart/form-data', payload: 'no boundary' },
  { contentType: 'multipart/form-data; boundary=abc', payload: '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\nbody\r\n--xyz--\r\n' },
  { contentType: 'multipart/form-data; boundary=abc', payload: '--abc\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG trunc' },
  { contentType: 'multipart/form-data; boundary=abc', payload: '--abc\r\nContent-Disposition: form-data; name="file"; filename="a\x00b.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n--abc--\r\n' },
  { contentType: 'multipart/form-data; boundary=abc', payload: '--abc\r\nContent-Disposition: form-data; name="bot_id"\r\n\r\n1e400\r\n--abc\r\nContent-Disposition: form-data; name="file"; filename="../../x.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n--abc--\r\n' },
  { payload: '{"a":1}' },
];
const UNAUTHENTICATED: Record<string, string>[] = [
  {},
  { authorization: 'Bearer not-a-key' },
  { authorization: 'Bearer \u00ff\u00fe' },
  { authorization: 'Basic Zm9vOmJhcg==' },
  { 'x-telegram-init-data': 'user=%7B%22id%22%3A1%7D&hash=00&auth_date=1e400' },
];

/** The first `core` values, and `extra` more drawn from the rest by the seeded generator. */
function pick<T>(values: T[], core: number, extra: number, random: () => number): T[] {
  const rest = values.slice(core);
  for (let i = rest.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [rest[i], rest[j]] = [rest[j], rest[i]];
  }
  return [...values.slice(0, core), ...rest.slice(0, extra)];
}

function resolve(doc: Schema, schema: Schema | undefined): Schema {
  let s = schema ?? {};
  for (let i = 0; s.$ref && i < 10; i++) s = doc.components.schemas[s.$ref.split('/').pop()];
  return s;
}

/** A value the schema accepts, as far as a cheap generator can tell (patterns are not honoured). */
function sample(doc: Schema, schema: Schema | undefined, name = ''): unknown {
  const s = resolve(doc, schema);
  if (s.default !== undefined) return s.default;
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  const alt = s.anyOf ?? s.oneOf;
  if (alt) return sample(doc, alt.find((x: Schema) => x.type !== 'null') ?? alt[0], name);
  if (s.allOf) return sample(doc, s.allOf[0], name);
  switch (s.type) {
    case 'integer':
    case 'number': {
      if (/group|chat/.test(name)) return GROUP_ID;
      if (/bot|client/.test(name)) return BOT.id;
      const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : 1);
      return Math.min(Math.max(min, 1), s.maximum ?? 1);
    }
    case 'boolean':
      return true;
    case 'array':
      return s.minItems ? Array.from({ length: s.minItems }, () => sample(doc, s.items, name)) : [];
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of s.required ?? []) out[key] = sample(doc, s.properties?.[key], key);
      return out;
    }
    default:
      if (s.format === 'date-time') return '2026-01-17T14:30:45.000Z';
      if (s.format === 'date') return '2026-01-17';
      return 'a'.repeat(Math.max(1, s.minLength ?? 4));
  }
}

/** Paths to every property the body schema names, nested objects included, with their schemas. */
function fieldPaths(doc: Schema, schema: Schema, prefix: string[] = [], depth = 0): string[][] {
  const s = resolve(doc, schema);
  if (s.type !== 'object' || !s.properties || depth > 2) return [];
  return Object.entries<Schema>(s.properties).flatMap(([key, child]) => [[...prefix, key], ...fieldPaths(doc, child, [...prefix, key], depth + 1)]);
}

function operations(doc: Schema): Operation[] {
  const order = ['get', 'post', 'put', 'patch', 'delete'];
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries<Schema>(doc.paths)) {
    for (const [method, op] of Object.entries<Schema>(item)) {
      if (!order.includes(method)) continue;
      ops.push({ method: method.toUpperCase(), path, params: op.parameters ?? [], body: op.requestBody?.content?.['application/json']?.schema });
    }
  }
  // Deletions last, so the fixtures stay in place for as many operations as possible.
  return ops.sort((a, b) => order.indexOf(a.method.toLowerCase()) - order.indexOf(b.method.toLowerCase()));
}

function buildUrl(doc: Schema, op: Operation, override: { name: string; in: string; raw: string } | null): string {
  let path = op.path;
  const query: string[] = [];
  for (const p of op.params) {
    const raw = override && override.name === p.name && override.in === p.in ? override.raw : encodeURIComponent(String(sample(doc, p.schema, p.name)));
    if (p.in === 'path') path = path.replace(`{${p.name}}`, raw);
    else if (p.in === 'query' && (p.required || override?.name === p.name)) query.push(`${p.name}=${raw}`);
  }
  return query.length ? `${path}?${query.join('&')}` : path;
}

/** A valid body with the field at `path` replaced by a raw JSON fragment (or removed). */
function bodyWith(valid: unknown, path: string[], fragment: string | undefined): string {
  const copy = structuredClone(valid) as Record<string, any>;
  let node = copy;
  for (const key of path.slice(0, -1)) node = node[key] = typeof node[key] === 'object' && node[key] !== null ? node[key] : {};
  const last = path[path.length - 1];
  if (fragment === undefined) {
    delete node[last];
    return JSON.stringify(copy);
  }
  node[last] = '\u0001FUZZ\u0001';
  return JSON.stringify(copy).replace('"\\u0001FUZZ\\u0001"', fragment);
}

function casesFor(doc: Schema, op: Operation, auth: Record<string, string>, bodyLimit: number, random: () => number): Case[] {
  const cases: Case[] = [];
  const json = { ...auth, 'content-type': 'application/json' };
  const hasBody = op.method !== 'GET' && op.method !== 'DELETE';
  const validBody = op.body ? sample(doc, op.body) : {};
  const validPayload = hasBody ? JSON.stringify(validBody) : undefined;
  const at = (url: string, payload = validPayload, headers: Record<string, string> = hasBody ? json : auth): Case => ({ method: op.method, url, headers, payload });

  cases.push(at(buildUrl(doc, op, null)));
  for (const p of op.params.filter((x) => x.in === 'path' || x.in === 'query')) {
    for (const raw of pick(URL_VALUES, URL_CORE, 2, random)) cases.push(at(buildUrl(doc, op, { name: p.name, in: p.in, raw })));
    if (p.in === 'query') cases.push(at(`${buildUrl(doc, op, null)}${op.path.includes('?') ? '&' : '?'}${p.name}=1&${p.name}=2`));
  }
  if (hasBody) {
    const url = buildUrl(doc, op, null);
    const fields = op.body ? fieldPaths(doc, op.body) : [];
    for (const path of fields) {
      if (path.length === 1) cases.push(at(url, bodyWith(validBody, path, undefined)));
      // Nested fields get fewer values, to bound the count.
      const values = path.length === 1 ? pick(JSON_VALUES, JSON_CORE, 2, random) : pick(JSON_VALUES, 0, 2, random);
      for (const fragment of values) cases.push(at(url, bodyWith(validBody, path, fragment)));
    }
    cases.push(at(url, JSON.stringify({ ...(validBody as object), unexpected_field: 1 })));
    const multipart = RAW_BODIES.filter((raw) => raw.contentType?.startsWith('multipart/'));
    const others = RAW_BODIES.filter((raw) => !multipart.includes(raw));
    for (const raw of [...multipart, ...pick(others, 0, 4, random)]) cases.push(at(url, raw.payload, raw.contentType ? { ...auth, 'content-type': raw.contentType } : auth));
    cases.push(at(url, JSON.stringify({ pad: 'x'.repeat(bodyLimit) })));
  }
  for (const headers of pick(UNAUTHENTICATED, 0, 1, random)) cases.push(at(buildUrl(doc, op, null), validPayload, hasBody ? { ...headers, 'content-type': 'application/json' } : headers));
  return cases;
}

function isEnvelope(res: LightMyRequestResponse): boolean {
  try {
    const body = res.json();
    return body.success === false && typeof body.error === 'string' && typeof body.message === 'string' && typeof body.code === 'string';
  } catch {
    return false;
  }
}

const truncate = (value: string | Buffer | undefined) => {
  const text = value === undefined ? '' : String(value);
  return text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text;
};

async function runFuzz(t: TestApp) {
  const doc = (await t.call('GET', '/openapi.json')).json();
  const ops = operations(doc);
  const random = mulberry32(SEED);
  const counts = new Map<number, number>();
  const failures: string[] = [];
  let sent = 0;
  for (const op of ops) {
    for (const c of casesFor(doc, op, t.auth, t.deps.config.BODY_LIMIT_BYTES, random)) {
      const res = await t.app.inject({ method: c.method as 'GET', url: c.url, headers: c.headers, ...(c.payload !== undefined && { payload: c.payload }) });
      sent++;
      counts.set(res.statusCode, (counts.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode >= 500 || (res.statusCode >= 400 && !isEnvelope(res))) {
        failures.push(`${res.statusCode} ${c.method} ${c.url} content-type=${c.headers['content-type'] ?? '-'} body=${truncate(c.payload)}\n    -> ${truncate(res.body)}`);
      }
    }
  }
  const by = (from: number, to: number) => [...counts].filter(([s]) => s >= from && s < to).reduce((n, [, k]) => n + k, 0);
  console.log(
    `openapi fuzz (seed ${SEED}): ${ops.length} operations, ${sent} requests, 2xx ${by(200, 300)}, 4xx ${by(400, 500)}, 5xx ${by(500, 600)}; ` +
      `by status ${[...counts].sort(([a], [b]) => a - b).map(([s, n]) => `${s}:${n}`).join(' ')}`,
  );
  for (const f of failures) console.log(f);
  return { ops: ops.length, sent, failures };
}

describe('malformed input against every operation in /openapi.json', () => {
  let t: TestApp;
  let emu: TelegramEmulator;

  before(async () => {
    emu = await startTelegramEmulator();
    emu.addChat({ id: GROUP_ID, type: 'supergroup', title: 'Fuzz room' });
    t = await buildTestApp({ TELEGRAM_API_ROOT: emu.apiRoot });
    await registerBot(t, BOT.token);
    await t.call('POST', '/api/v2/groups', { group_id: GROUP_ID, name: 'Fuzz room', bot_id: BOT.id });
  });
  after(async () => {
    await t.close();
    await emu.close();
  });

  it('should answer no 5xx, and the error envelope on every 4xx, whatever a client sends', { timeout: 600_000 }, async () => {
    const { ops, sent, failures } = await runFuzz(t);
    assert.ok(ops >= 100, `expected the whole API in /openapi.json, found ${ops} operations`);
    assert.ok(sent > 1000);
    assert.deepEqual(failures, []);
  });
});
