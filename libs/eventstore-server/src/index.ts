export * from './embedded-event-store';
export { CorruptLogError } from './storage/event-log-file';
