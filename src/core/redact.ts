/**
 * Secrets never reach a report or a log. Every credential and shared secret iceprobe learns is
 * registered here, and everything that leaves the process passes through it:
 *
 * - `redactValue(value, schema?)` walks a value by its structure: every string (and object key)
 *   that contains a secret has it replaced. Positions the schema fixes to a vocabulary (enums,
 *   literals, and outcome `code`s) are kept as they are: they can only ever hold one of the
 *   vocabulary's words, so a password that happens to be "pass" or "ok" does not turn the report's
 *   `status: "pass"` into something the schema refuses. Serialized text is never rewritten, so a
 *   password "true" or "3478" cannot break the JSON around it.
 * - `redact(text)` for free text (error lines, log lines, a child's stderr).
 *
 * Matching is case-insensitive (an error may echo a lower-cased URL). A secret shorter than
 * SHORT_SECRET characters is only replaced where it stands as a whole token (not inside a longer
 * word), so "pass" is removed from "credential pass" but "passed" stays readable.
 */
import type { z } from 'zod';

export const REDACTED = '[redacted]';

/** Secrets shorter than this are matched as whole tokens only. */
export const SHORT_SECRET = 8;

/** An outcome code (`OK`, `TURN_AUTH_FAILED`): catalog vocabulary, never derived from input. */
const CODE_RE = /^[A-Z][A-Z0-9_]*$/;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The spellings a secret can take in text we print: itself, JSON-escaped, URL-encoded. */
function spellings(value: string): string[] {
  const out = new Set([value, JSON.stringify(value).slice(1, -1)]);
  try {
    out.add(encodeURIComponent(value));
  } catch {
    /* a lone surrogate cannot be URL-encoded: it cannot appear URL-encoded either */
  }
  return [...out];
}

export class Secrets {
  private readonly values = new Set<string>();
  private pattern: RegExp | null = null;

  /** Registers a secret. Every non-empty value counts, however short or ordinary. */
  add(value: string | null | undefined): void {
    if (typeof value !== 'string' || value === '') return;
    for (const s of spellings(value)) this.values.add(s);
    this.pattern = null;
  }

  private regex(): RegExp | null {
    if (this.values.size === 0) return null;
    if (this.pattern === null) {
      // Longest first, so a secret that contains another is removed whole.
      const alternatives = [...this.values]
        .sort((a, b) => b.length - a.length)
        .map((v) => (v.length < SHORT_SECRET ? `(?<![\\p{L}\\p{N}])${escapeRegExp(v)}(?![\\p{L}\\p{N}])` : escapeRegExp(v)));
      this.pattern = new RegExp(alternatives.join('|'), 'giu');
    }
    return this.pattern;
  }

  /** Whether the text holds a registered secret (by the same rules as redact). */
  has(text: string): boolean {
    const re = this.regex();
    if (re === null) return false;
    re.lastIndex = 0;
    return re.test(text);
  }

  /** Free text with every registered secret replaced by [redacted]. */
  redact(text: string): string {
    const re = this.regex();
    return re === null ? text : text.replace(re, REDACTED);
  }

  /**
   * A copy of a JSON-able value with every secret removed from its strings and keys. With the
   * value's schema, enum and literal positions (and `code` fields holding a code) are kept.
   */
  redactValue<T>(value: T, schema?: z.ZodType): T {
    if (this.values.size === 0) return value;
    return (schema ? this.bySchema(schema, value) : this.deep(value)) as T;
  }

  private deep(value: unknown): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (Array.isArray(value)) return value.map((v) => this.deep(v));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[this.redact(k)] = this.deep(v);
      return out;
    }
    return value;
  }

  private bySchema(schema: z.ZodType, value: unknown): unknown {
    const def = (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
    switch (def.type) {
      case 'enum':
      case 'literal':
        return value;
      case 'optional':
      case 'nullable':
      case 'default':
      case 'readonly':
      case 'nonoptional':
      case 'catch':
        return value === undefined || value === null ? value : this.bySchema(def.innerType as z.ZodType, value);
      case 'array':
        return Array.isArray(value) ? value.map((v) => this.bySchema(def.element as z.ZodType, v)) : this.deep(value);
      case 'object': {
        if (value === null || typeof value !== 'object' || Array.isArray(value)) return this.deep(value);
        const shape = def.shape as Record<string, z.ZodType>;
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) {
          const sub = shape[k];
          if (sub === undefined) out[this.redact(k)] = this.deep(v);
          else if (k === 'code' && typeof v === 'string' && CODE_RE.test(v)) out[k] = v;
          else out[k] = this.bySchema(sub, v);
        }
        return out;
      }
      case 'record': {
        if (value === null || typeof value !== 'object' || Array.isArray(value)) return this.deep(value);
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) out[this.redact(k)] = this.bySchema(def.valueType as z.ZodType, v);
        return out;
      }
      case 'union': {
        const options = (def.options ?? []) as z.ZodType[];
        const match = options.find((o) => o.safeParse(value).success);
        return match ? this.bySchema(match, value) : this.deep(value);
      }
      default:
        return this.deep(value);
    }
  }

  get size(): number {
    return this.values.size;
  }
}

interface SchemaDef {
  type: string;
  innerType?: unknown;
  element?: unknown;
  shape?: unknown;
  valueType?: unknown;
  options?: unknown[];
}
