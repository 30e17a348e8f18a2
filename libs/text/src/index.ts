export { csvCell, hasUnprintable, printable, printableJson } from './printable';
export { notLater, readInstant, type Instant } from './instant';
