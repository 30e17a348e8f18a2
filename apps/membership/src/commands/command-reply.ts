import { type DomainErrorKind } from '@app/domain';

/** What every command answers over request/reply: the new revision, or a typed refusal with a stable code. */
export type CommandReply =
  | {
      readonly ok: true;
      readonly revision: string | null;
      readonly events: number;
      readonly duplicate: boolean;
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

/** R7: one result per imported row, in order. */
export interface ImportReply {
  readonly ok: true;
  readonly results: readonly {
    readonly row: number;
    readonly status: 'invited' | 'unchanged' | 'refused';
    readonly invitationId?: string;
    readonly error?: { readonly code: string; readonly field?: string; readonly message: string };
  }[];
}
