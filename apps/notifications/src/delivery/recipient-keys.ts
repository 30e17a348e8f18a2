import { AddressSubjects, type PersonalDataVault } from '@app/personal-data';
import { type OutgoingMessage } from './outgoing-message';

/**
 * The key id of a message's recipient address, as an erasure names it: the generation of the address's key that is
 * live when the message is recorded (an address erased once gets a new key if it comes back, e.g. someone registers
 * with it again). So a late or replayed erasure forgets what went to the person it erased, never to whoever has the
 * address now.
 */
export interface RecipientKeys {
  of(message: OutgoingMessage): Promise<string>;
  /** An erasure seen here: the addresses it names are looked up afresh. */
  erased(keys: readonly string[]): void;
}

/** Looked up in the vault, and kept for `ttlMs` (the vault keeps keys as long): a key lookup per delivery costs a read. */
export class VaultRecipientKeys implements RecipientKeys {
  private readonly known = new Map<string, { readonly key: string; readonly until: number }>();

  constructor(
    private readonly addresses: AddressSubjects,
    private readonly vault: PersonalDataVault,
    private readonly ttlMs = 30_000,
    private readonly maxKept = 10_000,
  ) {}

  async of(message: OutgoingMessage): Promise<string> {
    const subject = this.addresses.of(message.channel === 'email' ? 'email' : 'phone', message.to);
    const kept = this.known.get(subject);
    if (kept && kept.until > Date.now()) return kept.key;
    const key = await this.vault.liveGeneration(subject);
    this.known.delete(subject);
    if (this.known.size >= this.maxKept) this.known.delete(this.known.keys().next().value!);
    this.known.set(subject, { key, until: Date.now() + this.ttlMs });
    return key;
  }

  erased(keys: readonly string[]): void {
    for (const key of keys) this.known.delete(AddressSubjects.subjectOf(key));
  }
}
