/**
 * What a service that cannot start prints: one line naming the setting at fault, and exit code 1. A stack trace in a
 * crash-looping pod's log says less than "MONGO_URL: connection refused".
 */
export function startupFailureLine(service: string, error: unknown): string {
  const message = describe(error);
  const setting = settingBehind(error);
  const named = setting && !message.includes(setting) ? `${setting}: ${message}` : message;
  return `${service}: cannot start: ${named}`;
}

export function exitOnStartupFailure(service: string): (error: unknown) => never {
  return (error) => {
    process.stderr.write(`${startupFailureLine(service, error)}\n`);
    process.exit(1);
  };
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  const text = error.message || (cause instanceof Error ? cause.message : '') || error.name;
  return text.split('\n')[0]!.trim();
}

/** The client libraries name themselves in their errors; map each to the setting that points it somewhere. */
function settingBehind(error: unknown): string | undefined {
  const names = [error, (error as { cause?: unknown } | undefined)?.cause]
    .filter((e): e is Error => e instanceof Error)
    .map((e) => `${e.name} ${e.constructor.name}`)
    .join(' ');
  if (/KafkaJS/.test(names)) return 'KAFKA_BROKERS';
  if (/Mongo/.test(names)) return 'MONGO_URL';
  if (/Unavailable|NotLeader|ServiceError|grpc/i.test(names)) return 'EVENTSTORE_CONNECTION_STRING';
  return undefined;
}
