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

/** An address change asked for: the account keeps its address until the link mailed to the new one is used. */
export interface EmailChangePending {
  readonly userId: string;
  readonly pendingEmail: string;
  /**
   * When the link sent now stops working (ISO 8601). Absent when none was sent: the address had too many such mails
   * this hour (a link sent earlier still works).
   */
  readonly expiresAt?: string;
}
