import { type StoredEvent } from '../storage/stored-event';
import { type streamsPb } from './generated';

type FilterOptions = InstanceType<typeof streamsPb.ReadReq.Options.FilterOptions>;

export interface EventFilter {
  matches(event: StoredEvent): boolean;
  /** A checkpoint is sent after this many events were considered (EventStoreDB: interval multiplier × window). */
  readonly checkpointEvery: number;
}

const DEFAULT_WINDOW = 32;

/** `$all` filters: on stream name or event type, by prefixes or by a regular expression. */
export function eventFilterFrom(options: FilterOptions): EventFilter {
  const onStream = options.hasStreamIdentifier();
  const expression = onStream ? options.getStreamIdentifier()! : options.getEventType()!;
  const prefixes = expression.getPrefixList();
  const regex = expression.getRegex() ? new RegExp(expression.getRegex()) : undefined;
  const field = (e: StoredEvent) => (onStream ? e.streamName : e.type);
  const window = options.hasMax() ? options.getMax() : DEFAULT_WINDOW;
  return {
    matches: (e) => {
      const value = field(e);
      if (prefixes.length > 0 && !prefixes.some((p) => value.startsWith(p))) return false;
      return regex ? regex.test(value) : true;
    },
    checkpointEvery: Math.max(1, options.getCheckpointintervalmultiplier() * window),
  };
}
