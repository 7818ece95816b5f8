import vm from 'node:vm';
import safeRegex from 'safe-regex2';
import { AppError } from '../../platform/errors.ts';
import { MAX_CHECKED_TEXT_LENGTH } from './rules.schema.ts';
import type { RuleTrigger } from './rules.tables.ts';

/**
 * How long the save-time probe of a pattern may take over all its probe texts. Linear patterns
 * finish in a few milliseconds; this leaves room for a busy machine.
 */
const PROBE_BUDGET_MS = 250;
const PROBE_DEFAULT_TOKENS = ['a', 'A', '1', ' ', '.', '/', ':', '-', '_', '\n'];
const MAX_PROBES = 64;

/**
 * The regular expression a keyword trigger matches with: its pattern, or its literal text
 * escaped; case-insensitive, Unicode-aware.
 */
export function keywordRegExp(trigger: Pick<RuleTrigger, 'pattern' | 'match'>): RegExp {
  const source = trigger.match === 'literal' ? escapeRegExp(trigger.pattern!) : trigger.pattern!;
  return new RegExp(source, 'iu');
}

/**
 * Refuses a keyword pattern that could hang the bot: not a valid expression (400
 * INVALID_RULE), or one `safe-regex2` finds exponential, or one that takes too long on long
 * probe texts made of its own characters (422 UNSAFE_PATTERN). The probe runs once, at save
 * time, in a VM context with a timeout; matching messages never does.
 */
export function assertSafeKeyword(trigger: Pick<RuleTrigger, 'pattern' | 'match'>): void {
  let regex: RegExp;
  try {
    regex = keywordRegExp(trigger);
  } catch {
    throw new AppError('INVALID_RULE', { message: 'Trigger pattern is not a valid regular expression' });
  }
  const unsafe = (reason: string) =>
    new AppError('UNSAFE_PATTERN', { status: 422, message: `Trigger pattern could make matching hang (${reason}); simplify it, e.g. avoid nested or adjacent repetition` });
  if (!safeRegex(regex)) throw unsafe('nested repetition');
  try {
    vm.runInNewContext('const r = new RegExp(source, flags); for (const text of probes) r.test(text);', { source: regex.source, flags: regex.flags, probes: probeTexts(regex.source) }, { timeout: PROBE_BUDGET_MS });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw unsafe(`slower than ${PROBE_BUDGET_MS} ms on long messages`);
    throw err;
  }
}

/** Long texts of each character and word of the pattern repeated, each ending in a character that matches nothing, to make a backtracking engine try its worst. */
function probeTexts(source: string): string[] {
  const tokens = new Set<string>([...PROBE_DEFAULT_TOKENS, ...source.match(/[\p{L}\p{N}]+/gu) ?? [], ...[...source].filter((c) => c >= ' ')]);
  return [...tokens].slice(0, MAX_PROBES).map((token) => token.repeat(Math.ceil(MAX_CHECKED_TEXT_LENGTH / token.length)).slice(0, MAX_CHECKED_TEXT_LENGTH) + '\u0000');
}

/** Escapes only syntax characters: with the `u` flag any other escape is an error. */
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
