/** Asserts that none of the given secrets appears in any of the given outputs. */
import { expect } from 'vitest';

export function expectNoSecrets(outputs: Record<string, string>, secrets: readonly string[]): void {
  for (const [name, text] of Object.entries(outputs)) {
    for (const s of secrets) {
      expect(text.includes(s), `secret leaked into ${name}`).toBe(false);
    }
  }
}
