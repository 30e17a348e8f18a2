import { csvCell } from '@app/text';
import { type Schemas } from '../api/client';

type AuditEvent = Schemas['AuditEventView'];

/** The columns of a downloaded history: what the page shows, plus the ids an auditor matches with other records. */
const COLUMNS: readonly (readonly [header: string, value: (event: AuditEvent) => unknown])[] = [
  ['revision', (e) => e.revision],
  ['at', (e) => e.at],
  ['change', (e) => e.type],
  ['actorId', (e) => e.actorId],
  ['actorName', (e) => e.actorName],
  ['actingVia', (e) => e.actingVia],
  ['userId', (e) => (e.data as Record<string, unknown>).userId],
  ['userName', (e) => e.userName],
  ['data', (e) => JSON.stringify(e.data)],
  // The others the data names by id, by name (both Owners of a transfer), as the page shows them.
  ['names', (e) => (e.names ? JSON.stringify(e.names) : undefined)],
  ['correlationId', (e) => e.correlationId],
  ['eventId', (e) => e.eventId],
];

/**
 * The history as a CSV document (RFC 4180, CRLF line ends). As in the audit CLI's CSV, a cell a spreadsheet would run
 * as a formula is defused, and control and bidirectional characters a name could carry are written as `\u` escapes.
 */
export function auditCsv(events: readonly AuditEvent[]): string {
  const lines = [COLUMNS.map(([header]) => header).join(',')];
  for (const event of events) lines.push(COLUMNS.map(([, value]) => csvCell(value(event))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
