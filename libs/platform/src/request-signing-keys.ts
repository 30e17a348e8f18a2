import { RequestSigningKeys, type RequestSender, type SendersKeys } from '@app/messaging';
import { loadSharedSecret, longEnough } from './shared-secret';

const SHARED = 'COMMAND_SIGNING_SECRET';

/**
 * One sender's keys for command requests: `COMMAND_SIGNING_SECRET_<SENDER>` (and, while rotating, its `_PREVIOUS`);
 * on the embedded default one generated into `<dataDir>/secrets/`. A deployment that still sets one
 * `COMMAND_SIGNING_SECRET` for every sender (as before there was a key per sender) keeps working, but then any service
 * holding it can sign as any other. Moving from it, each setting the other way round is accepted too: the sender's
 * `_PREVIOUS` while the shared key still signs, and the shared key while the sender's own has taken over.
 */
export function loadRequestSigningKeys(options: {
  dataDir: string;
  sender: RequestSender;
  env?: NodeJS.ProcessEnv;
}): RequestSigningKeys {
  const env = options.env ?? process.env;
  const own = `${SHARED}_${options.sender.toUpperCase()}`;
  const signing = !env[own] && env[SHARED] ? SHARED : own;
  const current = loadSharedSecret({
    variable: signing,
    file: `command-signing-${options.sender}.key`,
    minBytes: 32,
    dataDir: options.dataDir,
    env,
  });
  const accepted = [`${signing}_PREVIOUS`, signing === SHARED ? `${own}_PREVIOUS` : SHARED];
  return new RequestSigningKeys(
    current,
    ...accepted.map((variable) => (env[variable] ? longEnough(env[variable], variable, 32) : undefined)),
  );
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
