import type { TestApp } from './app.ts';

/** Registers a bot through the API and returns its id (the digits before the token's colon). */
export async function registerBot(t: TestApp, token: string, title = 'Test bot'): Promise<number> {
  const res = await t.app.inject({ method: 'POST', url: '/api/v2/bots', headers: t.auth, payload: { token, title } });
  if (res.statusCode !== 201) throw new Error(`bot registration failed: ${res.body}`);
  return res.json().data.bot_id;
}

/** Creates an API key through the API and returns its Authorization header. */
export async function createKey(t: TestApp, body: Record<string, unknown>): Promise<{ authorization: string }> {
  const res = await t.app.inject({ method: 'POST', url: '/api/v2/keys', headers: t.auth, payload: { name: 'test key', access: 'write', ...body } });
  if (res.statusCode !== 201) throw new Error(`key creation failed: ${res.body}`);
  return { authorization: `Bearer ${res.json().data.key}` };
}

/** A multipart/form-data body with one file part, for app.inject. */
export function multipartFile(field: string, filename: string, contentType: string, content: Buffer): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----tgbase${Math.random().toString(16).slice(2)}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: ${contentType}\r\n\r\n`;
  const payload = Buffer.concat([Buffer.from(head), content, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
