/** Publishes the report schema as JSON Schema next to the build: dist/report.schema.json. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { Report } from '../src/core/schema.js';

const out = fileURLToPath(new URL('../report.schema.json', import.meta.url));
writeFileSync(out, JSON.stringify(z.toJSONSchema(Report, { io: 'input' }), null, 2) + '\n');
