/** Validates a report against the published JSON Schema file (dist/report.schema.json) with ajv. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';

const schemaPath = fileURLToPath(new URL('../../dist/report.schema.json', import.meta.url));

let validate: ((data: unknown) => boolean) & { errors?: unknown } | undefined;

export function assertMatchesPublishedSchema(report: unknown): void {
  if (!validate) {
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    validate = ajv.compile(schema);
  }
  if (!validate(report)) throw new Error(`report does not match ${schemaPath}: ${JSON.stringify(validate.errors, null, 2)}`);
}
