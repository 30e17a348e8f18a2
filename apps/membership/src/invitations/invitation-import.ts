import { isDomainError } from '@app/domain';
import { parseEmail, parsePhone } from '@app/identifiers';

/** One row of a bulk import (R7), as parsed from JSON (the gateway turns CSV into the same shape). */
export interface ImportRow {
  readonly email?: unknown;
  readonly phone?: unknown;
  readonly role?: unknown;
  readonly teamIds?: unknown;
}

export type PlannedRow =
  | {
      readonly row: number;
      readonly ok: true;
      readonly email?: string;
      readonly phone?: string;
      readonly role: 'admin' | 'user';
      readonly teamIds: string[];
    }
  | {
      readonly row: number;
      readonly ok: false;
      readonly code: string;
      readonly field: string;
      readonly message: string;
    };

export const MAX_IMPORT_ROWS = 1_000;

/**
 * Validates every row on its own, with the same normalisation as a single invitation (e-mail lower-cased, phone in
 * E.164), so a bad row never blocks the good ones and the same person twice in one file is caught (R7).
 */
export function planInvitationImport(rows: readonly unknown[]): PlannedRow[] {
  const seen = new Set<string>();
  return rows.map((given, row) => {
    const refuse = (code: string, field: string, message: string): PlannedRow => ({
      row,
      ok: false,
      code,
      field,
      message,
    });
    if (typeof given !== 'object' || given === null || Array.isArray(given))
      return refuse('validation-failed', 'row', 'must be an object');
    const raw = given as ImportRow;
    for (const field of Object.keys(raw))
      if (!['email', 'phone', 'role', 'teamIds'].includes(field))
        return refuse('unknown-field', field, 'is not a field of an import row');
    const email = typeof raw.email === 'string' && raw.email.trim() !== '' ? raw.email : undefined;
    const phone = typeof raw.phone === 'string' && raw.phone.trim() !== '' ? raw.phone : undefined;
    if (!email === !phone) return refuse('validation-failed', 'email', 'give exactly one of email or phone');
    let person: { email: string } | { phone: string };
    try {
      person = email ? { email: parseEmail(email) } : { phone: parsePhone(phone!) };
    } catch (error) {
      if (!isDomainError(error)) throw error;
      return refuse(
        'validation-failed',
        email ? 'email' : 'phone',
        email ? 'is not an e-mail address' : 'is not a phone number in international (E.164) form',
      );
    }
    const role = raw.role === undefined ? 'user' : raw.role;
    if (role !== 'admin' && role !== 'user')
      return refuse('validation-failed', 'role', 'must be admin or user');
    const teamIds = raw.teamIds === undefined ? [] : raw.teamIds;
    if (
      !Array.isArray(teamIds) ||
      teamIds.length > 50 ||
      !teamIds.every((t) => typeof t === 'string' && t !== '' && t.length <= 100)
    )
      return refuse('validation-failed', 'teamIds', 'must be a list of team ids');
    const identity = 'email' in person ? person.email : person.phone;
    if (seen.has(identity))
      return refuse(
        'duplicate-row',
        'email' in person ? 'email' : 'phone',
        'the same person appears earlier in this import',
      );
    seen.add(identity);
    return { row, ok: true, ...person, role, teamIds: teamIds as string[] };
  });
}
