/** Type-level tests (vitest typecheck): the library's public types stay what users rely on. */
import { describe, expectTypeOf, it } from 'vitest';
import { check, type Report, type Check, type Finding, SCHEMA_VERSION } from '../../src/index.js';

describe('public API types', () => {
  it('check() resolves to the typed Report the CLI prints', () => {
    expectTypeOf(check).returns.resolves.toEqualTypeOf<Report>();
    expectTypeOf(check).parameter(0).exclude<undefined>().toHaveProperty('urls');
  });
  it('a check status is one of four words, and findings carry advice', () => {
    expectTypeOf<Check['status']>().toEqualTypeOf<'pass' | 'warn' | 'fail' | 'skip'>();
    expectTypeOf<Finding>().toHaveProperty('advice').toEqualTypeOf<string>();
    expectTypeOf(SCHEMA_VERSION).toEqualTypeOf<1>();
  });
});
