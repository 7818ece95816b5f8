import multipart from '@fastify/multipart';
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '../../platform/fastify.ts';
import { principalOf } from '../../platform/auth.ts';
import { AppError, forbidden } from '../../platform/errors.ts';
import { Envelope, errorResponses, ok, uploadedFile } from '../../platform/http.ts';
import { assertBotOwned, botScopeFor } from '../bots/bots.access.ts';
import { FileList, FileParams, FileView, ListFilesQuery, UploadQuery } from './files.schema.ts';

export const filesRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { files } = app.services;
  const { config } = app.deps;
  const tags = ['files'];
  // One file per request; the service enforces the byte limit, this stops a flood of parts.
  await app.register(multipart, { limits: { files: 1, fields: 10, parts: 11, fileSize: config.FILES_MAX_BYTES + 1 }, throwFileSizeLimit: false });

  app.post('/api/upload', {
    schema: {
      tags,
      description: `Uploads one file (multipart/form-data, part \`file\`). Limit ${config.FILES_MAX_BYTES} bytes; accepted types: ${config.FILES_ALLOWED_TYPES}. A bot key stores it for its bot; a global key for \`bot_id\`, or deployment-wide without one.`,
      consumes: ['multipart/form-data'],
      querystring: UploadQuery,
      response: { 201: Envelope(FileView), 413: Type.Ref('ErrorBody'), 415: Type.Ref('ErrorBody'), ...errorResponses },
    },
    handler: async (request, reply) => {
      const principal = principalOf(request);
      if (principal.kind === 'api_key' && principal.access !== 'write') throw forbidden('This API key is read-only');
      const botId = await botScopeFor(request, 'write', request.query.bot_id);
      if (!request.isMultipart()) throw new AppError('MULTIPART_REQUIRED', { message: 'Send the file as multipart/form-data', status: 415 });
      const part = await uploadedFile(request);
      if (!part) throw new AppError('FILE_REQUIRED', { message: 'No file part in the request' });
      const stored = await files.store({
        botId,
        filename: part.filename,
        contentType: part.mimetype,
        content: part.file,
        uploadedByKeyId: principal.kind === 'api_key' ? principal.keyId : null,
      });
      return reply.status(201).send(ok(stored, 'File uploaded'));
    },
  });

  app.get('/api/files', {
    schema: { tags, querystring: ListFilesQuery, response: { 200: Envelope(FileList), ...errorResponses } },
    handler: async (request) => {
      const { bot_id, page, limit } = request.query;
      return ok(await files.list(await botScopeFor(request, 'read', bot_id), page, limit));
    },
  });

  app.get('/api/files/:file_id', {
    schema: { tags, params: FileParams, response: { 200: Envelope(FileView), ...errorResponses } },
    handler: async (request) => {
      const file = await files.get(request.params.file_id);
      assertBotOwned(request, 'file', file, 'read');
      return ok(file);
    },
  });

  app.get('/api/files/:file_id/download', {
    schema: {
      tags,
      description: "Streams the file's bytes with its content type.",
      params: FileParams,
      response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }), 410: Type.Ref('ErrorBody'), ...errorResponses },
    },
    handler: async (request, reply) => {
      assertBotOwned(request, 'file', await files.get(request.params.file_id), 'read');
      const { file, content } = await files.open(request.params.file_id);
      return reply
        .type(file.content_type)
        .header('content-length', file.size_bytes)
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.filename)}`)
        .header('x-content-type-options', 'nosniff')
        .send(content);
    },
  });

  app.delete('/api/files/:file_id', {
    schema: { tags, params: FileParams, response: { 200: Envelope(FileView), ...errorResponses } },
    handler: async (request) => {
      assertBotOwned(request, 'file', await files.get(request.params.file_id), 'write');
      return ok(await files.remove(request.params.file_id), 'File deleted');
    },
  });
};
