/** Where the per-person data keys live: the only place erasure has to reach. */
export interface PersonalDataKeyStore {
  /** The subject's key, created on first use; null once the subject was erased (a key is never made again). */
  keyFor(subject: string): Promise<Buffer | null>;
  /** The subject's key if there is one, without creating it; null if none was made or it was erased. */
  existingKey(subject: string): Promise<Buffer | null>;
  /** Destroys the key for good. Idempotent. */
  erase(subject: string): Promise<void>;
  isErased(subject: string): Promise<boolean>;
}
