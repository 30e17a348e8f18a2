import { RequestSigningKeys } from '@app/messaging';
import { loadSharedSecret } from './shared-secret';

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
    ...options,
  });
  return new RequestSigningKeys(current, env.COMMAND_SIGNING_SECRET_PREVIOUS || undefined);
}
