import { writeFile } from 'node:fs/promises';
import { makeTempDir } from '@app/testing';
import { startPlatform } from '../../test/platform.testing';
import { CONSOLE_API_TYPES, openApiTypes } from './openapi-types';

/**
 * `npm run console:api`: the console's typed client follows the gateway's OpenAPI document. This starts the system
 * in this process (embedded, temporary data), reads `/docs/openapi.json` and writes the types. A test fails when the
 * committed types differ from the document.
 */
async function main(): Promise<void> {
  const platform = await startPlatform();
  try {
    const document = (await platform.http.get('/docs/openapi.json').expect(200)).body as unknown;
    await writeFile(CONSOLE_API_TYPES, await openApiTypes(document, await makeTempDir('openapi')));
    console.log(`wrote ${CONSOLE_API_TYPES}`);
  } finally {
    await platform.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
