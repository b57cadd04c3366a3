/**
 * Secrets never reach a report or a log. Every credential and shared secret iceprobe learns is
 * registered here, and every string that leaves the process (report files, terminal output,
 * error messages) passes through `redact`.
 */
export const REDACTED = '[redacted]';

export class Secrets {
  private readonly values = new Set<string>();

  add(value: string | null | undefined): void {
    // Very short values would mangle ordinary text; credentials that short are refused by config.
    if (!value || value.length < 3) return;
    this.values.add(value);
    // Its JSON-escaped spelling too, so redactValue catches secrets with quotes or backslashes.
    this.values.add(JSON.stringify(value).slice(1, -1));
  }

  redact(text: string): string {
    let out = text;
    // Longest first, so a secret that contains another is removed whole.
    for (const v of [...this.values].sort((a, b) => b.length - a.length)) out = out.split(v).join(REDACTED);
    return out;
  }

  /** Deep-redacts a JSON-able value (returns a copy). */
  redactValue<T>(value: T): T {
    return JSON.parse(this.redact(JSON.stringify(value))) as T;
  }

  get size(): number {
    return this.values.size;
  }
}
