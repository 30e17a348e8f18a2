import { Inject, Injectable } from '@nestjs/common';
import { type Response } from 'express';
import { type GatewayConfig } from '../config/gateway.config';
import { GATEWAY_CONFIG, READ_MODELS } from '../gateway.tokens';
import { orgScoped } from '../read-models/documents';
import { type ReadModels } from '../read-models/read-models';
import { type MembershipResult } from './write-services';

/** What a command answers when the read models have not reached its revision within the bound. */
export interface Accepted {
  readonly status: 'accepted';
  readonly revision: string | null;
}

/**
 * Read-your-writes: a command's answer waits (within READ_YOUR_WRITES_MS, 2 s by default) until the read models
 * reach the revision the command produced, so the caller's next read shows the change. Beyond the bound the answer
 * is 202 with the revision, never a stale 200.
 */
@Injectable()
export class ReadYourWrites {
  constructor(
    @Inject(READ_MODELS) private readonly models: ReadModels,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** Resolves true once the organization's read models reflect `revision` (false after the bound). */
  organizationAt(orgId: string, revision: string | null): Promise<boolean> {
    if (revision === null) return Promise.resolve(true);
    const wanted = Number(revision);
    return this.until(async () => ((await this.models.organizations.get(orgId))?.revision ?? -1) >= wanted);
  }

  /** Resolves true once the user's read model reflects `revision` of their account stream. */
  userAt(userId: string, revision: string | undefined): Promise<boolean> {
    if (revision === undefined) return Promise.resolve(true);
    const wanted = Number(revision);
    return this.until(async () => ((await this.models.users.get(userId))?.revision ?? -1) >= wanted);
  }

  /** Resolves true once the user shows as a member (an acceptance membership makes after a registration). */
  memberShows(orgId: string, userId: string): Promise<boolean> {
    return this.until(async () => (await this.models.members.get(orgScoped(orgId, userId))) !== null);
  }

  private async until(reached: () => Promise<boolean>): Promise<boolean> {
    const deadline = Date.now() + this.config.readYourWritesMs;
    for (;;) {
      if (await reached()) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /**
   * Waits for the command's revision, then answers with `read()` (the resource as the read models now show it), or
   * with 202 and the revision when they lag beyond the bound.
   */
  async answer<T>(
    orgId: string,
    result: MembershipResult,
    res: Response,
    read: () => Promise<T>,
  ): Promise<T | Accepted> {
    if (await this.organizationAt(orgId, result.revision)) return read();
    res.status(202);
    return { status: 'accepted', revision: result.revision };
  }

  /** A profile change (identity answers with the account's revision): the profile once the read model shows it. */
  async answerProfile<P extends { userId: string; revision?: string }>(
    profile: P,
    res: Response,
  ): Promise<Omit<P, 'revision'> | Accepted> {
    const { revision, ...shown } = profile;
    if (await this.userAt(profile.userId, revision)) return shown;
    res.status(202);
    return { status: 'accepted', revision: revision ?? null };
  }
}
