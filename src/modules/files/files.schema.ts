import { Type } from 'typebox';
import { Paginated, TelegramId, Timestamp } from '../../platform/http.ts';

export const FileView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  bot_id: Type.Union([TelegramId, Type.Null()]),
  filename: Type.String(),
  content_type: Type.String(),
  size_bytes: Type.Integer(),
  sha256: Type.String(),
  created_at: Timestamp,
  download_url: Type.String(),
});

export const FileList = Paginated(FileView);
export const FileParams = Type.Object({ file_id: Type.String({ format: 'uuid' }) });
export const UploadQuery = Type.Object({ bot_id: Type.Optional(TelegramId) });
export const ListFilesQuery = Type.Object({
  bot_id: Type.Optional(TelegramId),
  page: Type.Integer({ minimum: 1, default: 1 }),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
});
