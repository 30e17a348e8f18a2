import { Injectable } from '@nestjs/common';
import { type FastifyReply } from 'fastify';
import { ReadYourWrites, type Accepted } from './read-your-writes';
import { WriteServices, type BodyFieldNames, type Requester } from './write-services';

type MembershipCommand = Record<string, unknown> & { type: string };

/** A membership command on one organization, answered once the read models show it (read-your-writes). */
@Injectable()
export class OrganizationCommands {
  constructor(
    private readonly services: WriteServices,
    private readonly freshness: ReadYourWrites,
  ) {}

  /**
   * For routes that answer 204: resolves once the read models show the change; beyond the bound, 202 and the
   * revision, as the routes that answer with a body do.
   */
  async run(
    orgId: string,
    command: MembershipCommand,
    requester: Requester,
    res: FastifyReply,
  ): Promise<Accepted | undefined> {
    return this.freshness.shownOrAccepted(
      orgId,
      await this.services.membership(orgId, command, requester),
      res,
    );
  }

  /**
   * For routes that answer with what changed: `read()` once the read models show it, else 202 and the revision.
   * `bodyNames`: where the route's body calls the command's fields otherwise (see `WriteServices.membership`).
   */
  async answer<T>(
    orgId: string,
    command: MembershipCommand,
    requester: Requester,
    res: FastifyReply,
    read: () => Promise<T>,
    options: { bodyNames?: BodyFieldNames } = {},
  ): Promise<T | Accepted> {
    const result = await this.services.membership(orgId, command, requester, options);
    return this.freshness.answer(orgId, result, res, read);
  }

  /**
   * For routes that create something: 201 with `read()` once the read models show it, else 202 with the revision and
   * the new resource's id (`created.id`, e.g. `{ teamId }`); `Location` names it either way.
   */
  async create<T>(
    orgId: string,
    command: MembershipCommand,
    requester: Requester,
    res: FastifyReply,
    created: { readonly location: string; readonly id: Readonly<Record<string, string>> },
    read: () => Promise<T>,
  ): Promise<T | Accepted> {
    const answer = await this.answer(orgId, command, requester, res, read);
    res.header('location', created.location);
    return res.statusCode === 202 ? { ...(answer as Accepted), ...created.id } : answer;
  }
}
