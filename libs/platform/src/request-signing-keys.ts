import { RequestSigningKeys, type RequestSender, type SendersKeys } from '@app/messaging';
import { loadSharedSecret, longEnough } from './shared-secret';

/**
 * One sender's keys for command requests: `COMMAND_SIGNING_SECRET_<SENDER>` (and, while rotating, its `_PREVIOUS`);
 * on the embedded default one generated into `<dataDir>/secrets/`. A deployment that still sets one
 * `COMMAND_SIGNING_SECRET` for every sender (as before there was a key per sender) keeps working, but then any service
 * holding it can sign as any other.
 */
export function loadRequestSigningKeys(options: {
  dataDir: string;
  sender: RequestSender;
  env?: NodeJS.ProcessEnv;
}): RequestSigningKeys {
  const env = options.env ?? process.env;
  const own = `COMMAND_SIGNING_SECRET_${options.sender.toUpperCase()}`;
  const variable = !env[own] && env.COMMAND_SIGNING_SECRET ? 'COMMAND_SIGNING_SECRET' : own;
  const current = loadSharedSecret({
    variable,
    file: `command-signing-${options.sender}.key`,
    minBytes: 32,
    dataDir: options.dataDir,
    env,
  });
  const previous = env[`${variable}_PREVIOUS`] || undefined;
  return new RequestSigningKeys(current, previous && longEnough(previous, `${variable}_PREVIOUS`, 32));
}

/** The keys of the senders a service takes requests from. */
export function loadSendersKeys(options: {
  dataDir: string;
  senders: readonly RequestSender[];
  env?: NodeJS.ProcessEnv;
}): SendersKeys {
  return Object.fromEntries(
    options.senders.map((sender) => [sender, loadRequestSigningKeys({ ...options, sender })]),
  );
}
