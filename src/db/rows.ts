/** Rows of a raw `execute` result: node-postgres and PGlite both answer `{rows}`; this keeps callers driver-agnostic. */
export function rowsOf(result: unknown): Record<string, unknown>[] {
  return ((result as { rows?: Record<string, unknown>[] }).rows ?? (result as Record<string, unknown>[])) as Record<string, unknown>[];
}

/** A timestamp column from a raw row (Date from both drivers, string from some paths). */
export function dateOf(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value));
}

/** The SQLSTATE of a database error, as node-postgres and PGlite report it, directly or as drizzle's `cause`. */
export function sqlStateOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
  for (const code of [e?.code, e?.cause?.code]) if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  return undefined;
}

/** A unique-constraint violation (23505). */
export function isUniqueViolation(err: unknown): boolean {
  return sqlStateOf(err) === '23505';
}
