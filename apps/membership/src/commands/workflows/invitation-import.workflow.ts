import { v5 as uuidv5 } from 'uuid';
import { type DomainErrorJson } from '@app/domain';
import { commandFingerprint } from '@app/event-store';
import { planInvitationImport } from '../../invitations/invitation-import';
import { type CommandReply, type ImportReply } from '../command-reply';
import { type TrustedRequest } from '../membership-request';
import { step } from './link-child.workflow';

// Fixed namespace: the same import (command id) and person always get the same invitation id.
const INVITATION_NAMESPACE = '3b0d2b8e-2f6c-4f7e-9a41-6c1c3f0f5d21';

/** Rows are decided in turn and appended this many at a time: one append and one fsync for each batch. */
export const IMPORT_BATCH_ROWS = 100;

export interface ImportSteps {
  /**
   * Decides and appends rows in turn, answering each as its own command would be answered; refuses them all at once
   * (`command-id-reused`) where the state they are appended to has the import's key recorded for another request
   * (the same key sent with another file at the same moment).
   */
  readonly runAll: (
    requests: readonly TrustedRequest[],
    wholeImport: readonly TrustedRequest[],
  ) => Promise<CommandReply[]>;
  /** Refuses the whole import (`command-id-reused`) when a row's command id was recorded for another request. */
  readonly refuseReusedIds: (requests: readonly TrustedRequest[]) => Promise<void>;
}

/**
 * R7: each good row is its own InviteMember, so one refused row never undoes the others. A row's command id and
 * invitation id come from the import's command id and the person: a retried import is recognised row by row, while
 * a new import of a person whose invitation was revoked or expired creates a fresh invitation. A person who already
 * has a pending invitation on the same terms is `unchanged`, so running the same file again invites nobody twice.
 * Rows are decided one after another, each on what the rows before it left, and appended in batches.
 *
 * The import as a whole is one request under its command id (an `Idempotency-Key`): its first row is recorded under
 * that very id, and every row's fingerprint is the whole import's (every row, and `send`) with its row number. The same
 * key with another file, or with another request on any route, is then `command-id-reused` for the whole import,
 * before any row is decided; the same key with the same file answers every row as the first time did.
 */
export async function importInvitations(
  request: TrustedRequest,
  { runAll, refuseReusedIds }: ImportSteps,
): Promise<ImportReply> {
  const { rows, send } = request.command as unknown as { rows: readonly unknown[]; send?: boolean };
  const results: ImportReply['results'][number][] = [];
  const invitations: { row: number; invitationId: string; request: TrustedRequest }[] = [];
  for (const planned of planInvitationImport(rows)) {
    if (!planned.ok) {
      results.push({
        row: planned.row,
        status: 'refused',
        error: { code: planned.code, field: planned.field, message: planned.message },
      });
      continue;
    }
    // Named by the row, never by the address: ids and command ids are stored in the clear, and erasure must not
    // have to reach them.
    const invitationId = uuidv5(
      `${request.orgId}:${request.commandId}:row-${planned.row}`,
      INVITATION_NAMESPACE,
    );
    const row = step(request, request.orgId, `row/${planned.row}`, {
      type: 'InviteMember',
      invitationId,
      ...(planned.email ? { email: planned.email } : { phone: planned.phone! }),
      role: planned.role,
      teamIds: planned.teamIds,
      permissions: [],
      send: send ?? true,
    });
    invitations.push({
      row: planned.row,
      invitationId,
      request: {
        ...row,
        ...(invitations.length === 0 ? { commandId: request.commandId } : {}),
        fingerprint: commandFingerprint({ import: request.fingerprint, row: planned.row }),
      },
    });
  }
  const wholeImport = invitations.map((invitation) => invitation.request);
  await refuseReusedIds(wholeImport);
  let revision: string | null = null;
  for (let start = 0; start < invitations.length; start += IMPORT_BATCH_ROWS) {
    const batch = invitations.slice(start, start + IMPORT_BATCH_ROWS);
    const replies = await runAll(
      batch.map((invitation) => invitation.request),
      wholeImport,
    );
    batch.forEach(({ row, invitationId }, index) => {
      const reply = replies[index]!;
      results.push(resultOf(row, invitationId, reply));
      if (reply.ok && reply.revision !== null) revision = reply.revision;
    });
  }
  return { ok: true, revision, results: results.sort((a, b) => a.row - b.row) };
}

function resultOf(row: number, invitationId: string, reply: CommandReply): ImportReply['results'][number] {
  if (reply.ok) return { row, status: 'invited', invitationId };
  const { code, details, message } = reply.error;
  if (code === 'already-invited' && details.sameTerms === true)
    return { row, status: 'unchanged', invitationId: details.invitationId as string };
  return { row, status: 'refused', error: { code, message, ...fieldOf(details) } };
}

function fieldOf(details: DomainErrorJson['details']): { field?: string } {
  return typeof details.field === 'string' ? { field: details.field } : {};
}
