/** What identity answers to a command that shows or changes the caller's account. */
export interface Profile {
  readonly userId: string;
  readonly name: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly phone?: string;
  /** The language messages to the user are written in, when they chose one. */
  readonly locale?: string;
  readonly twoFactorEnabled: boolean;
  /** After a change: the account stream's revision, so a reader can wait until its read model shows the change. */
  readonly revision?: string;
}
