import { createLogger } from './logger';

/**
 * Logs requests dropped past their deadline (see `serveRequests`), at most once per `everyMs` with how many and how
 * late: a few after an outage are expected; a steady stream means the hosts' clocks disagree by more than the grace.
 */
export function expiredRequestsLog(
  service: string,
  everyMs = 10_000,
): (dropped: { readonly command: string; readonly lateMs: number }) => void {
  const logger = createLogger(service);
  let count = 0;
  let latestMs = 0;
  let lastLogged = 0;
  return ({ command, lateMs }) => {
    count++;
    latestMs = Math.max(latestMs, lateMs);
    const now = Date.now();
    if (now - lastLogged < everyMs) return;
    logger.warn(
      { dropped: count, command, mostLateMs: latestMs },
      'requests dropped past their deadline (the caller had answered 503); steadily many: are the clocks in step?',
    );
    lastLogged = now;
    count = 0;
    latestMs = 0;
  };
}
