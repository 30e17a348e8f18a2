import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** Where a command's events landed in its stream, and what the command asked (to tell a retry from a reuse). */
export interface AppliedCommand {
  readonly revision: bigint;
  /** Digest of what the command asked; absent for commands recorded without one. */
  readonly fingerprint: string | undefined;
}

/** How many of a stream's latest commands are remembered by default (kept in its snapshots, so across restarts). */
export const DEFAULT_COMMAND_WINDOW = 5_000;

/**
 * The command ids applied to one stream, newest last, bounded. It is rebuilt from the stream itself (each event's
 * metadata names its command) and carried in the stream's snapshots, so every instance, at any time after a restart,
 * recognises the latest commands of a stream without a cache of its own.
 */
export class CommandWindow {
  private readonly applied = new Map<string, AppliedCommand>();

  constructor(private readonly size: number = DEFAULT_COMMAND_WINDOW) {}

  /** A window as `toSnapshot` wrote it, or as rows (`[commandId, revision, fingerprint]`) as snapshots kept it before. */
  static fromSnapshot(saved: unknown, size?: number): CommandWindow {
    const window = new CommandWindow(size);
    if (Array.isArray(saved)) {
      for (const entry of saved as [string, string, string | null][]) {
        window.record(entry[0], { revision: BigInt(entry[1]), fingerprint: entry[2] ?? undefined });
      }
    } else if (isColumns(saved)) {
      const { ids, revisions, fingerprints } = saved;
      for (let i = 0; i < ids.length; i++) {
        window.record(ids[i]!, {
          revision: BigInt(revisions[i]!),
          fingerprint: fingerprints[i] ?? undefined,
        });
      }
    }
    return window;
  }

  get(commandId: string): AppliedCommand | undefined {
    return this.applied.get(commandId);
  }

  /** The command ids it holds, oldest first. */
  ids(): IterableIterator<string> {
    return this.applied.keys();
  }

  /** A command of several events is recorded once for each as a stream is read: it is kept at its last. */
  record(commandId: string, applied: AppliedCommand): void {
    const seen = this.applied.get(commandId);
    if (seen) {
      // Set again in place: the command keeps its age in the window.
      if (applied.revision > seen.revision)
        this.applied.set(commandId, { ...seen, revision: applied.revision });
      return;
    }
    this.applied.set(commandId, applied);
    if (this.applied.size > this.size) this.applied.delete(this.applied.keys().next().value!);
  }

  toSnapshot(): CommandColumns {
    const ids: string[] = [];
    const revisions: number[] = [];
    const fingerprints: (string | null)[] = [];
    for (const [id, applied] of this.applied) {
      ids.push(id);
      revisions.push(Number(applied.revision));
      fingerprints.push(applied.fingerprint ?? null);
    }
    return { ids, revisions, fingerprints };
  }
}

/**
 * The window as a snapshot keeps it, oldest first: a column each, so reading it back parses three arrays rather than
 * an array for each of thousands of commands. Revisions are numbers: a stream would need 2^53 events to lose one.
 */
export interface CommandColumns {
  readonly ids: readonly string[];
  readonly revisions: readonly number[];
  readonly fingerprints: readonly (string | null)[];
}

function isColumns(saved: unknown): saved is CommandColumns {
  if (typeof saved !== 'object' || saved === null) return false;
  const { ids, revisions, fingerprints } = saved as Partial<CommandColumns>;
  return (
    Array.isArray(ids) &&
    Array.isArray(revisions) &&
    Array.isArray(fingerprints) &&
    revisions.length === ids.length &&
    fingerprints.length === ids.length
  );
}

/** A short, stable digest of what a command asks (RFC 8785 canonical JSON, SHA-256), independent of key order. */
export function commandFingerprint(command: unknown): string {
  return createHash('sha256')
    .update(canonicalize(command) ?? 'null')
    .digest('base64url')
    .slice(0, 22);
}

/** The commands a stream recorded, by id, as read: for checks that must not change them. */
export type RecordedCommands = Pick<CommandWindow, 'get' | 'ids'>;
