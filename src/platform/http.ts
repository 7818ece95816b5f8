import { Type, type TSchema } from 'typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MultipartFile } from '@fastify/multipart';
import { AppError } from './errors.ts';

/** Seed 001's response envelope: `{success, data, message, error}`. */
export const Envelope = <T extends TSchema>(data: T) =>
  Type.Object({
    success: Type.Boolean(),
    data,
    message: Type.Union([Type.String(), Type.Null()]),
    error: Type.Null(),
  });

/** The documented error shape: `{success:false, error, message, code}`. */
export const ErrorBody = Type.Object(
  {
    success: Type.Literal(false),
    error: Type.String(),
    message: Type.String(),
    code: Type.String(),
    details: Type.Optional(Type.Any()),
  },
  { $id: 'ErrorBody' },
);

/** Error responses every route may give, for the OpenAPI document. */
export const errorResponses = {
  400: Type.Ref('ErrorBody'),
  401: Type.Ref('ErrorBody'),
  403: Type.Ref('ErrorBody'),
  404: Type.Ref('ErrorBody'),
  // Per-key and per-user rate limits cover the authenticated scopes.
  429: Type.Ref('ErrorBody'),
};

export function ok<T>(data: T, message: string | null = null) {
  return { success: true, data, message, error: null };
}

export const Pagination = Type.Object({
  page: Type.Integer({ minimum: 1, default: 1 }),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
});

export const Paginated = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    total: Type.Integer(),
    page: Type.Integer(),
    limit: Type.Integer(),
    pages: Type.Integer(),
  });

export function paginated<T>(items: T[], total: number, page: number, limit: number) {
  return { items, total, page, limit, pages: Math.ceil(total / limit) };
}

/**
 * The largest value an `integer` (int4) column holds. Request integers without a maximum get
 * the safe-integer range (platform/input-guard.ts), so fields stored in int4 declare this one.
 */
export const INT4_MAX = 2_147_483_647;

/** Ids of our own rows (bigserial): positive, and safely within JS integers. */
export const RowId = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

/** Telegram chat and user ids: 64-bit, but safely within JS integers. */
export const TelegramId = Type.Integer({ minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER });
export const Timestamp = Type.String({ format: 'date-time' });

/**
 * The one error handler: AppErrors keep their code and status, schema failures become 400
 * with the failing path, 5xx never leak internals.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    if (err instanceof AppError) {
      if (err.status >= 500) request.log.error({ err, cause: err.cause }, err.message);
      return reply.status(err.status).send({
        success: false,
        error: err.message,
        message: `Operation failed: ${err.code}`,
        code: err.code,
        ...(err.details ? { details: err.details } : {}),
      });
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      return reply.status(400).send({
        success: false,
        error: `Validation failed: ${fe.message}`,
        message: 'Invalid request',
        code: 'VALIDATION_FAILED',
        details: fe.validation.map((v) => ({ path: v.instancePath, message: v.message })),
      });
    }
    const status = fe.statusCode && fe.statusCode >= 400 ? fe.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err }, 'unhandled error');
      return reply.status(status).send({ success: false, error: 'Internal server error', message: 'Operation failed', code: 'INTERNAL' });
    }
    return reply.status(status).send({ success: false, error: fe.message, message: 'Request rejected', code: fe.code ?? 'BAD_REQUEST' });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ success: false, error: `Route ${request.method} ${request.url.split('?')[0]} not found`, message: 'Not found', code: 'ROUTE_NOT_FOUND' }),
  );
}

/**
 * Fastify's `frameworkErrors` option: errors the router raises before any route runs (a URL
 * that is not valid percent-encoding, a path parameter over `maxParamLength`) in the envelope
 * instead of Fastify's own body.
 */
export const frameworkErrors = (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => request.server.errorHandler(err, request, reply);

/**
 * The one file part of a multipart request, or undefined when there is none. A malformed body
 * (no or unknown boundary, cut short) is the client's mistake: its errors, whether raised here
 * or later while the caller reads the file, answer 400 MALFORMED_MULTIPART.
 */
export async function uploadedFile(request: FastifyRequest): Promise<MultipartFile | undefined> {
  let file: MultipartFile | undefined;
  try {
    file = await request.file();
  } catch (err) {
    throw asMalformedMultipart(err);
  }
  if (file) {
    // The part may have failed already, before this listener could hear it.
    if (file.file.errored) asMalformedMultipart(file.file.errored);
    file.file.on('error', asMalformedMultipart);
  }
  return file;
}

/** Busboy's parse errors are plain Errors; tag them with a 4xx status the error handler renders. */
function asMalformedMultipart(err: unknown): unknown {
  if (err instanceof Error && !(err instanceof AppError) && !(err as Partial<FastifyError>).statusCode) {
    Object.assign(err, { statusCode: 400, code: 'MALFORMED_MULTIPART' });
  }
  return err;
}
