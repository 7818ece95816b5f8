import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildTestApp, type TestApp } from '../../../test/app.ts';
import { createKey, multipartFile, registerBot } from '../../../test/ops.ts';

// The smallest valid PNG: signature, IHDR, IDAT, IEND.
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082',
  'hex',
);

describe('files API', () => {
  let t: TestApp;
  let dir: string;
  let botA: number;
  let botB: number;
  const upload = (file: ReturnType<typeof multipartFile>, query = '', headers: Record<string, string> = t.auth) =>
    t.app.inject({ method: 'POST', url: `/api/upload${query}`, payload: file.payload, headers: { ...headers, ...file.headers } });
  const get = (url: string, headers: Record<string, string> = t.auth) => t.app.inject({ method: 'GET', url, headers });

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'tgbase-files-test-'));
    t = await buildTestApp({ FILES_DIR: dir, FILES_MAX_BYTES: '2048', FILES_ALLOWED_TYPES: 'image/*,text/plain' });
    botA = await registerBot(t, '830001:AAfiles-bot-a-token-0123456789');
    botB = await registerBot(t, '830002:AAfiles-bot-b-token-0123456789');
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should store an upload with its hash and stream the same bytes back', async () => {
    const res = await upload(multipartFile('file', 'pixel.png', 'image/png', PNG), `?bot_id=${botA}`);
    assert.equal(res.statusCode, 201, res.body);
    const file = res.json().data;
    assert.equal(file.bot_id, botA);
    assert.equal(file.filename, 'pixel.png');
    assert.equal(file.content_type, 'image/png');
    assert.equal(file.size_bytes, PNG.length);
    assert.equal(file.sha256, createHash('sha256').update(PNG).digest('hex'));
    assert.deepEqual(readdirSync(dir), [file.id]);

    const download = await get(file.download_url);
    assert.equal(download.statusCode, 200);
    assert.equal(download.headers['content-type'], 'image/png');
    assert.match(download.headers['content-disposition'] as string, /filename\*=UTF-8''pixel\.png/);
    assert.deepEqual(download.rawPayload, PNG);
    assert.equal((await get(`/api/files/${file.id}`)).json().data.sha256, file.sha256);
  });

  it('should reject a file over the size limit with 413 and keep nothing', async () => {
    const before = readdirSync(dir).length;
    const res = await upload(multipartFile('file', 'big.txt', 'text/plain', Buffer.alloc(5000, 'a')), `?bot_id=${botA}`);
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().code, 'FILE_TOO_LARGE');
    assert.equal(readdirSync(dir).length, before);
  });

  it('should reject a type outside the allow-list, and bytes that are not what the type claims, with 415', async () => {
    const pdf = await upload(multipartFile('file', 'doc.pdf', 'application/pdf', Buffer.from('%PDF-1.4 hello')), `?bot_id=${botA}`);
    assert.equal(pdf.statusCode, 415);
    assert.equal(pdf.json().code, 'CONTENT_TYPE_NOT_ALLOWED');
    const fake = await upload(multipartFile('file', 'evil.png', 'image/png', Buffer.from('<script>alert(1)</script>')), `?bot_id=${botA}`);
    assert.equal(fake.statusCode, 415);
    assert.equal(fake.json().code, 'CONTENT_TYPE_MISMATCH');
    const pngAsText = await upload(multipartFile('file', 'notes.txt', 'text/plain', PNG), `?bot_id=${botA}`);
    assert.equal(pngAsText.statusCode, 415);
    const text = await upload(multipartFile('file', '../../etc/notes.txt', 'text/plain', Buffer.from('plain notes')), `?bot_id=${botA}`);
    assert.equal(text.statusCode, 201);
    assert.equal(text.json().data.filename, 'notes.txt');
  });

  it("should keep each bot's files to its key: 404 for another bot's file, lists scoped", async () => {
    const keyA = await createKey(t, { scope: 'bot', bot_id: botA });
    const keyB = await createKey(t, { scope: 'bot', bot_id: botB });
    const ofB = (await upload(multipartFile('file', 'b.png', 'image/png', PNG), '', keyB)).json().data;
    assert.equal(ofB.bot_id, botB);
    assert.equal((await get(`/api/files/${ofB.id}`, keyA)).statusCode, 404);
    assert.equal((await get(`/api/files/${ofB.id}/download`, keyA)).statusCode, 404);
    assert.equal((await t.app.inject({ method: 'DELETE', url: `/api/files/${ofB.id}`, headers: keyA })).statusCode, 404);
    assert.equal((await upload(multipartFile('file', 'x.png', 'image/png', PNG), `?bot_id=${botB}`, keyA)).statusCode, 403);
    const listA = (await get('/api/files', keyA)).json().data;
    assert.ok(listA.items.every((f: { bot_id: number }) => f.bot_id === botA));
    assert.equal(listA.total, 2);
    assert.equal((await get('/api/files')).json().data.total, 3);

    const deleted = await t.app.inject({ method: 'DELETE', url: `/api/files/${ofB.id}`, headers: keyB });
    assert.equal(deleted.statusCode, 200);
    assert.equal((await get(`/api/files/${ofB.id}`, keyB)).statusCode, 404);
    assert.ok(!readdirSync(dir).includes(ofB.id));
  });

  it('should answer 415 for a non-multipart upload and 400 when the file part is missing', async () => {
    const json = await t.app.inject({ method: 'POST', url: '/api/upload', headers: t.auth, payload: { file: 'x' } });
    assert.equal(json.statusCode, 415);
    assert.equal((await get('/api/files/not-a-uuid')).statusCode, 400);
  });
});
