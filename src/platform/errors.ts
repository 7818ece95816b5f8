/**
 * The one error type services throw. `code` is stable and machine-readable, `status` is the
 * HTTP status the edge answers with; `cause` keeps the original (Telegram, provider) error.
 *
 * @example
 * throw new AppError('GROUP_NOT_FOUND', { message: `Group ${id} not found`, status: 404 });
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details?: Record<string, unknown>;

  constructor(
    code: string,
    options: { message: string; status?: number; details?: Record<string, unknown>; cause?: unknown },
  ) {
    super(options.message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = options.status ?? 400;
    this.details = options.details;
  }
}

/** A refusal (an AppError under 500: not allowed, not found, Telegram said no): trying again gives the same answer. */
export const isRefusal = (err: unknown): err is AppError => err instanceof AppError && err.status < 500;

export const notFound = (what: string, id: string | number) =>
  new AppError(`${what.toUpperCase().replace(/\s+/g, '_')}_NOT_FOUND`, {
    message: `${what[0].toUpperCase()}${what.slice(1)} ${id} not found`,
    status: 404,
  });

export const forbidden = (message: string) => new AppError('FORBIDDEN', { message, status: 403 });

export const conflict = (code: string, message: string) => new AppError(code, { message, status: 409 });
