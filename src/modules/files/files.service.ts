import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileTypeFromFile } from 'file-type';
import type { Db } from '../../db/client.ts';
import { AppError, notFound } from '../../platform/errors.ts';
import { paginated } from '../../platform/http.ts';
import { FilesRepo, type FileRow } from './files.repo.ts';

export interface FileView {
  id: string;
  bot_id: number | null;
  filename: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  created_at: string;
  download_url: string;
}

export interface FilesOptions {
  dir: string;
  maxBytes: number;
  /** Exact types, or `family/*`. */
  allowedTypes: string[];
}

/** Types whose bytes carry a signature: the declared type must match what the bytes are. */
const SNIFFABLE = /^(image|video|audio)\/|^application\/(pdf|zip|gzip|x-7z-compressed)$/;

/**
 * Where FILES_DIR is: configured, or DATA_DIR/files, or a temporary folder when the database
 * itself is in memory (tests, throwaway runs).
 */
export function resolveFilesDir(filesDir: string | undefined, dataDir: string): string {
  if (filesDir) return filesDir;
  if (dataDir.startsWith('memory://')) return mkdtempSync(path.join(os.tmpdir(), 'tgbase-files-'));
  return path.join(dataDir, 'files');
}

/**
 * Seed 003's file API: uploads streamed to disk (never buffered whole), size-limited,
 * content-type checked against an allow-list and against the bytes themselves, one row per file.
 */
export class FilesService {
  private readonly repo: FilesRepo;

  constructor(
    db: Db,
    private readonly options: FilesOptions,
  ) {
    this.repo = new FilesRepo(db);
    mkdirSync(options.dir, { recursive: true });
  }

  isAllowed(contentType: string): boolean {
    const type = contentType.split(';')[0].trim().toLowerCase();
    return this.options.allowedTypes.some((allowed) => (allowed.endsWith('/*') ? type.startsWith(allowed.slice(0, -1)) : type === allowed));
  }

  /**
   * Streams an upload to disk. Rejects a disallowed type before reading (415), a file over the
   * limit while reading (413), and bytes that are not what the type says (415); nothing is kept
   * of a rejected upload.
   */
  async store(input: { botId: number | null; filename: string; contentType: string; content: Readable; uploadedByKeyId: number | null }): Promise<FileView> {
    const contentType = input.contentType.split(';')[0].trim().toLowerCase();
    if (!this.isAllowed(contentType)) {
      input.content.resume();
      throw new AppError('CONTENT_TYPE_NOT_ALLOWED', { message: `Files of type ${contentType} are not accepted`, status: 415, details: { allowed: this.options.allowedTypes } });
    }
    const id = randomUUID();
    const partial = path.join(this.options.dir, `${id}.part`);
    const hash = createHash('sha256');
    let size = 0;
    const { maxBytes } = this.options;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > maxBytes) return done(new AppError('FILE_TOO_LARGE', { message: `Files are limited to ${maxBytes} bytes`, status: 413 }));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(input.content, meter, createWriteStream(partial));
      if (size === 0) throw new AppError('EMPTY_FILE', { message: 'The file is empty' });
      await this.assertBytesMatch(partial, contentType);
      await rename(partial, this.pathOf(id));
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
    try {
      const row = await this.repo.insert({
        id,
        botId: input.botId,
        filename: safeName(input.filename),
        contentType,
        sizeBytes: size,
        sha256: hash.digest('hex'),
        uploadedByKeyId: input.uploadedByKeyId,
      });
      return toView(row);
    } catch (err) {
      await rm(this.pathOf(id), { force: true });
      throw err;
    }
  }

  async get(id: string): Promise<FileView> {
    return toView(await this.row(id));
  }

  /** The file's metadata and a stream of its bytes. */
  async open(id: string): Promise<{ file: FileView; content: Readable }> {
    const row = await this.row(id);
    await stat(this.pathOf(id)).catch(() => {
      throw new AppError('FILE_CONTENT_MISSING', { message: `The content of file ${id} is missing from storage`, status: 410 });
    });
    return { file: toView(row), content: createReadStream(this.pathOf(id)) };
  }

  async list(botId: number | null, page: number, limit: number) {
    const { items, total } = await this.repo.page(botId, limit, (page - 1) * limit);
    return paginated(items.map(toView), total, page, limit);
  }

  async remove(id: string): Promise<FileView> {
    const row = await this.repo.delete(id);
    if (!row) throw notFound('file', id);
    await rm(this.pathOf(id), { force: true });
    return toView(row);
  }

  private async row(id: string): Promise<FileRow> {
    const row = await this.repo.find(id);
    if (!row) throw notFound('file', id);
    return row;
  }

  private pathOf(id: string): string {
    return path.join(this.options.dir, id);
  }

  private async assertBytesMatch(file: string, declared: string): Promise<void> {
    const detected = await fileTypeFromFile(file);
    // A binary type must be what its signature says; a text type must not be a known binary.
    const mismatch = SNIFFABLE.test(declared) ? detected?.mime !== declared : detected !== undefined;
    if (mismatch) {
      throw new AppError('CONTENT_TYPE_MISMATCH', {
        message: `The file's bytes are ${detected ? detected.mime : 'not recognisable'}, not ${declared}`,
        status: 415,
      });
    }
  }
}

/** Keeps the last path segment, printable characters only: names end up in headers and lists. */
function safeName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[\u0000-\u001f\u007f"]/g, '').trim().slice(0, 255);
  return cleaned || 'file';
}

function toView(row: FileRow): FileView {
  return {
    id: row.id,
    bot_id: row.botId,
    filename: row.filename,
    content_type: row.contentType,
    size_bytes: row.sizeBytes,
    sha256: row.sha256,
    created_at: row.createdAt.toISOString(),
    download_url: `/api/files/${row.id}/download`,
  };
}
