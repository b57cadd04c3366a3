/**
 * Type-level (vitest typecheck, and tsc in `npm run build`): serve's post schemas and the page's
 * own types (probes/types.ts, probes/serve-media.ts) do not drift apart. What a schema lets
 * through is usable as the page's type, what the page sends is accepted, and the key sets are the
 * same (optional fields pass the first two even when one side lacks them).
 */
import type { z } from 'zod';
import { describe, expectTypeOf, it } from 'vitest';
import type { CallResultSchema, GatherResultSchema, MediaObservationSchema } from '../../../src/services/serve/schema.js';
import type { CallResult, GatherResult } from '../../../probes/types.js';
import type { MediaObservation } from '../../../probes/serve-media.js';

type Out<S extends z.ZodType> = z.infer<S>;
type In<S extends z.ZodType> = z.input<S>;

describe('serve post schemas match the page types', () => {
  it('gather results', () => {
    expectTypeOf<Out<typeof GatherResultSchema>>().toExtend<GatherResult>();
    expectTypeOf<GatherResult>().toExtend<In<typeof GatherResultSchema>>();
    expectTypeOf<keyof GatherResult>().toEqualTypeOf<keyof Out<typeof GatherResultSchema>>();
  });
  it('call results (media is checked on its own below)', () => {
    expectTypeOf<Omit<Out<typeof CallResultSchema>, 'media'>>().toExtend<Omit<CallResult, 'media'>>();
    expectTypeOf<Omit<CallResult, 'media'>>().toExtend<Omit<In<typeof CallResultSchema>, 'media'>>();
    expectTypeOf<keyof CallResult>().toEqualTypeOf<keyof Out<typeof CallResultSchema>>();
  });
  it('the media observation', () => {
    expectTypeOf<Out<typeof MediaObservationSchema>>().toExtend<MediaObservation>();
    expectTypeOf<MediaObservation>().toExtend<In<typeof MediaObservationSchema>>();
    expectTypeOf<keyof MediaObservation>().toEqualTypeOf<keyof Out<typeof MediaObservationSchema>>();
  });
});
