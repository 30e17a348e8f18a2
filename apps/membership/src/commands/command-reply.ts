import { type DomainErrorKind } from '@app/domain';

/** What every command answers over request/reply: the new revision, or a typed refusal with a stable code. */
export type CommandReply =
  | {
      readonly ok: true;
      readonly revision: string | null;
      readonly events: number;
      readonly duplicate: boolean;
      /** Other organizations the command changed (R19 links), by id, at the revision it left them. */
      readonly alsoChanged?: Readonly<Record<string, string>>;
    }
  | {
      readonly ok: false;
      readonly error: {
        readonly code: string;
        readonly kind: DomainErrorKind;
        readonly message: string;
        readonly details: Readonly<Record<string, unknown>>;
      };
    };

/** R7: one result per imported row, in order, and the revision the last invited row left the organization at. */
export interface ImportReply {
  readonly ok: true;
  readonly revision: string | null;
  readonly results: readonly {
    readonly row: number;
    readonly status: 'invited' | 'unchanged' | 'refused';
    readonly invitationId?: string;
    readonly error?: { readonly code: string; readonly field?: string; readonly message: string };
  }[];
}
