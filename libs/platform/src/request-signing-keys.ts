import { RequestSigningKeys } from '@app/messaging';
import { loadSharedSecret, longEnough } from './shared-secret';

/**
 * The keys that sign command requests between our services: `COMMAND_SIGNING_SECRET` (and, while rotating,
 * `COMMAND_SIGNING_SECRET_PREVIOUS`); on the embedded default one generated into `<dataDir>/secrets/`.
 */
export function loadRequestSigningKeys(options: {
  dataDir: string;
  env?: NodeJS.ProcessEnv;
}): RequestSigningKeys {
  const env = options.env ?? process.env;
  const current = loadSharedSecret({
    variable: 'COMMAND_SIGNING_SECRET',
    file: 'command-signing.key',
    minBytes: 32,
    ...options,
  });
  const previous = env.COMMAND_SIGNING_SECRET_PREVIOUS || undefined;
  return new RequestSigningKeys(
    current,
    previous && longEnough(previous, 'COMMAND_SIGNING_SECRET_PREVIOUS', 32),
  );
}
