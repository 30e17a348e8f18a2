import { cpSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Files the services read at run time from next to their compiled code, which `tsc` does not emit: copied into `dist`
 * after the compile (the image runs `dist`).
 */
export const RUNTIME_ASSETS = ['apps/identity/src/credentials/common-passwords.txt'] as const;

const root = join(__dirname, '..', '..');
for (const asset of RUNTIME_ASSETS) cpSync(join(root, asset), join(root, 'dist', asset));
