import { v5 as uuidv5 } from 'uuid';
import { parsePhoneNumberFromString } from 'libphonenumber-js';

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
      readonly invitationId: string;
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

// Fixed namespace: the same person in the same organization always gets the same invitation id.
const INVITATION_NAMESPACE = '3b0d2b8e-2f6c-4f7e-9a41-6c1c3f0f5d21';
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const MAX_IMPORT_ROWS = 1_000;

/**
 * Validates every row on its own and gives each good row a deterministic invitation id (organization + normalised
 * identity), so re-running the same import invites nobody twice and a bad row never blocks the good ones (R7).
 */
export function planInvitationImport(orgId: string, rows: readonly ImportRow[]): PlannedRow[] {
  const seen = new Set<string>();
  return rows.map((raw, row) => {
    const refuse = (code: string, field: string, message: string): PlannedRow => ({
      row,
      ok: false,
      code,
      field,
      message,
    });
    if (typeof raw !== 'object' || raw === null)
      return refuse('validation-failed', 'row', 'must be an object');
    const email =
      typeof raw.email === 'string' && raw.email.trim() !== '' ? raw.email.trim().toLowerCase() : undefined;
    const rawPhone = typeof raw.phone === 'string' && raw.phone.trim() !== '' ? raw.phone.trim() : undefined;
    if (!email === !rawPhone)
      return refuse('validation-failed', 'email', 'give exactly one of email or phone');
    if (email && !EMAIL.test(email)) return refuse('validation-failed', 'email', 'is not an e-mail address');
    const phone = rawPhone ? parsePhoneNumberFromString(rawPhone)?.number : undefined;
    if (rawPhone && (!phone || !parsePhoneNumberFromString(rawPhone)?.isValid())) {
      return refuse('validation-failed', 'phone', 'is not a phone number in international (E.164) form');
    }
    const role = raw.role === undefined ? 'user' : raw.role;
    if (role !== 'admin' && role !== 'user')
      return refuse('validation-failed', 'role', 'must be admin or user');
    const teamIds = raw.teamIds === undefined ? [] : raw.teamIds;
    if (!Array.isArray(teamIds) || !teamIds.every((t) => typeof t === 'string' && t !== '')) {
      return refuse('validation-failed', 'teamIds', 'must be a list of team ids');
    }
    const identity = email ?? phone!;
    if (seen.has(identity))
      return refuse(
        'duplicate-row',
        email ? 'email' : 'phone',
        'the same person appears earlier in this import',
      );
    seen.add(identity);
    return {
      row,
      ok: true,
      invitationId: uuidv5(`${orgId}:${identity}`, INVITATION_NAMESPACE),
      ...(email ? { email } : { phone: phone! }),
      role,
      teamIds: teamIds as string[],
    };
  });
}
