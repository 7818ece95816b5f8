/** Rows of a raw `execute` result: node-postgres and PGlite both answer `{rows}`; this keeps callers driver-agnostic. */
export function rowsOf(result: unknown): Record<string, unknown>[] {
  return ((result as { rows?: Record<string, unknown>[] }).rows ?? (result as Record<string, unknown>[])) as Record<string, unknown>[];
}

/** A timestamp column from a raw row (Date from both drivers, string from some paths). */
export function dateOf(value: unknown): Date {
  return value instanceof Date ? value : new Date(String(value));
}

/** A unique-constraint violation (23505), as node-postgres and PGlite report it, directly or as drizzle's `cause`. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } } | undefined;
  return e?.code === '23505' || e?.cause?.code === '23505';
}
