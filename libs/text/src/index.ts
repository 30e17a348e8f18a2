export { csvCell, hasUnprintable, printable, printableJson } from './printable';
