import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const CONSOLE_API_TYPES = join(__dirname, '../../apps/console/src/api/schema.d.ts');

/** TypeScript types for an OpenAPI document, as openapi-typescript writes them (its CLI; the package is ESM-only). */
export async function openApiTypes(document: unknown, workDir: string): Promise<string> {
  const input = join(workDir, 'openapi.json');
  const output = join(workDir, 'schema.d.ts');
  await writeFile(input, JSON.stringify(document));
  await promisify(execFile)(join(__dirname, '../../node_modules/.bin/openapi-typescript'), [
    input,
    '-o',
    output,
  ]);
  return readFile(output, 'utf8');
}
