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

  static fromSnapshot(entries: unknown, size?: number): CommandWindow {
    const window = new CommandWindow(size);
    if (Array.isArray(entries)) {
      for (const entry of entries as [string, string, string | null][]) {
        window.record(entry[0], { revision: BigInt(entry[1]), fingerprint: entry[2] ?? undefined });
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

  toSnapshot(): [string, string, string | null][] {
    return [...this.applied].map(([id, a]) => [id, a.revision.toString(), a.fingerprint ?? null]);
  }
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
