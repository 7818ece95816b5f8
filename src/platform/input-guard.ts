import type { FastifyInstance, RouteOptions } from 'fastify';
import { AppError } from './errors.ts';

/**
 * Input rules every route gets without declaring them, so a new route cannot answer 500 to a
 * malformed request: PostgreSQL cannot store NUL characters in text or jsonb, and AJV's type
 * coercion turns `Infinity`, `1e400` and 20-digit strings into numbers that overflow the columns.
 */
export function installInputGuards(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => boundRequestNumbers(route));
  // After validation, because that is where the coercion happens; before any handler.
  app.addHook('preHandler', async (request) => {
    const found = unstorable(request.params, 'params') ?? unstorable(request.query, 'querystring') ?? unstorable(request.body, 'body');
    if (found?.kind === 'nul') {
      throw new AppError('NUL_CHARACTER', { message: `${found.path} contains a NUL character (\\u0000), which cannot be stored`, status: 400, details: { path: found.path } });
    }
    if (found) throw new AppError('VALIDATION_FAILED', { message: `${found.path} must be a finite number`, status: 400, details: { path: found.path } });
  });
}

const REQUEST_PARTS = ['body', 'querystring', 'params', 'headers'] as const;

/** Gives integers without bounds the safe-integer range in every request schema. */
function boundRequestNumbers(route: RouteOptions): void {
  const schema = route.schema as Record<string, unknown> | undefined;
  if (!schema) return;
  for (const part of REQUEST_PARTS) if (schema[part]) schema[part] = bounded(schema[part]);
}

/**
 * A copy of a JSON schema where every integer without a minimum or maximum gets
 * ±Number.MAX_SAFE_INTEGER: ids, pages and counts then fit int8 columns and stay exact in JS.
 * Columns narrower than that declare their own bounds (`Int4` in http.ts). Copies instead of
 * editing, since TypeBox schemas are shared constants, also used for responses.
 */
function bounded(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(bounded);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    // `properties` and friends map names to schemas; `enum`, `const`, `default` are data.
    if (key === 'properties' || key === 'patternProperties' || key === '$defs' || key === 'definitions') {
      out[key] = Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, bounded(v)]));
    } else if (key === 'enum' || key === 'const' || key === 'default' || key === 'examples') {
      out[key] = value;
    } else {
      out[key] = typeof value === 'object' ? bounded(value) : value;
    }
  }
  if (([] as unknown[]).concat(out.type).includes('integer')) {
    if (out.minimum === undefined && out.exclusiveMinimum === undefined) out.minimum = -Number.MAX_SAFE_INTEGER;
    if (out.maximum === undefined && out.exclusiveMaximum === undefined) out.maximum = Number.MAX_SAFE_INTEGER;
  }
  return out;
}

/**
 * The first string or key holding a NUL character, or number that is not finite (AJV skips its
 * bounds for `Infinity`, which it coerces from "Infinity" or "1e400"). Breadth-first over flat
 * arrays: a 1 MiB body can nest deeper than the call stack allows, and the path of a node is
 * only put together for the one that is reported.
 */
function unstorable(root: unknown, rootName: string): { kind: 'nul' | 'non_finite'; path: string } | null {
  const values: unknown[] = [root];
  const parents: number[] = [-1];
  const keys: (string | number)[] = [rootName];
  const found = (kind: 'nul' | 'non_finite', at: number) => {
    const parts: string[] = [];
    for (let i = at; i !== -1; i = parents[i]) parts.unshift(String(keys[i]).replaceAll('\u0000', '\\u0000'));
    return { kind, path: parts.join('/') };
  };
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return found('nul', i);
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) return found('non_finite', i);
    } else if (Array.isArray(value)) {
      for (let k = 0; k < value.length; k++) {
        values.push(value[k]);
        parents.push(i);
        keys.push(k);
      }
    } else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
      for (const key in value) {
        values.push((value as Record<string, unknown>)[key]);
        parents.push(i);
        keys.push(key);
        if (key.includes('\u0000')) return found('nul', values.length - 1);
      }
    }
  }
  return null;
}
