import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { normalizeDomain } from '@app/identifiers';
import { validationProblem } from '@app/platform';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { DomainError } from '@app/domain';
import { CurrentCaller, type Caller } from '../auth/caller';
import { OperatorGuard } from '../auth/operator.guard';
import { WriteServices, type MembershipResult, type Requester } from '../commands/write-services';
import { DomainReleases } from '../commands/domain-releases';
import { ReadYourWrites, type Accepted } from '../commands/read-your-writes';
import { RebuildJobs } from '../read-models/rebuild-jobs';
import { parseEmail, parsePhone } from '@app/identifiers';
import { InviteeErasure } from '../erasure/invitee-erasure';
import { EraseInviteeBody, LockUserBody } from './dto/operator.dto';
import { InviteeErasedView, RebuildStatusView, answers, done, doneOrLagging } from './dto/views.dto';
import { problems } from './problems';
import { requesterOf } from './requester';
import { ReadsReadModels } from '../read-models/read-models-filled.guard';
import { READ_MODELS } from '../gateway.tokens';
import { type ReadModels } from '../read-models/read-models';

/** Operator routes: for the user ids in IDENTITY_OPERATORS only. */
@ApiTags('operator')
@ApiBearerAuth()
@UseGuards(OperatorGuard)
@Controller('v1/operator')
export class OperatorController {
  constructor(
    @Inject(RebuildJobs) private readonly rebuilds: RebuildJobs,
    private readonly services: WriteServices,
    private readonly erasure: InviteeErasure,
    @Inject(READ_MODELS) private readonly models: ReadModels,
    private readonly releases: DomainReleases,
    private readonly freshness: ReadYourWrites,
  ) {}

  @Delete('domains/:domain')
  @ReadsReadModels()
  @HttpCode(204)
  @ApiOperation({
    summary:
      'Release a claimed e-mail domain, whichever organization holds it (R16): settles a disputed claim. The organization records DomainReleased by the operator; 404 `domain-not-claimed` when nobody holds it. Repeated with the same Idempotency-Key, 204 and nothing released, even if another organization has claimed the domain since',
  })
  @doneOrLagging()
  @problems(400, 401, 403, 404, 410)
  async releaseDomain(
    @Param('domain') domain: string,
    @CurrentCaller() caller: Caller,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ): Promise<Accepted | undefined> {
    const name = normalizeDomain(domain);
    // As the organization's own release answers it: what is no domain name is nobody's to hold.
    if (name === undefined) throw validationProblem([{ field: 'domain', message: 'not a domain name' }]);
    const requester = requesterOf(req, caller);
    const release = { type: 'ReleaseDomain', domain: name };
    // The first answer again: whoever holds the domain now claimed it after this very request released it.
    const repeated = await this.repeatedRelease(name, release, requester);
    if (repeated) return this.freshness.shownOrAccepted(repeated.orgId, repeated.result, res);
    const page = await this.models.organizations.find(
      { where: { domains: name, deleted: { $ne: true } } },
      { limit: 1 },
    );
    const holder = page.items[0];
    if (!holder) {
      // The same request sent at the same moment may have released it since the look above.
      const releasedMeanwhile = await this.repeatedRelease(name, release, requester);
      if (releasedMeanwhile)
        return this.freshness.shownOrAccepted(releasedMeanwhile.orgId, releasedMeanwhile.result, res);
      throw new DomainError('domain-not-claimed', 'not-found', `no organization holds ${name}`, {
        domain: name,
      });
    }
    const result = await this.services.asOperator(holder.orgId, release, requester);
    return this.freshness.shownOrAccepted(holder.orgId, result, res);
  }

  /** The organization that recorded this release under the request's `Idempotency-Key`, and its answer, if one did. */
  private async repeatedRelease(
    domain: string,
    release: { type: string; domain: string },
    requester: Requester,
  ): Promise<{ orgId: string; result: MembershipResult } | undefined> {
    const commandId = requester.commandId;
    if (commandId === undefined) return undefined;
    const candidate = await this.releases.releasedBy(domain, commandId);
    if (!candidate) return undefined;
    const { orgId, freed } = candidate;
    const recorded = await this.services.recordedForOperator(orgId, release, { ...requester, commandId });
    if (!recorded) return undefined;
    // Recorded, its claim not yet freed (the first attempt still at it, or cut short): the release itself, sent again
    // under its id, is answered as a duplicate once the organization has freed the claim.
    return { orgId, result: freed ? recorded : await this.services.asOperator(orgId, release, requester) };
  }

  @Post('users/:userId/lock')
  @HttpCode(204)
  @ApiOperation({
    summary:
      'Lock an account: it cannot sign in or refresh until unlocked; its owner is told by e-mail (notice `account-locked`)',
  })
  @done()
  @problems(400, 401, 403, 404, 409, 410)
  async lock(
    @Param('userId') userId: string,
    @Body() body: LockUserBody,
    @CurrentCaller() caller: Caller,
    @Req() req: FastifyRequest,
  ): Promise<void> {
    // A locked operator could not sign in to undo it: another operator locks them if they must be.
    if (userId === caller.userId)
      throw new DomainError('cannot-lock-self', 'conflict', 'an operator does not lock their own account', {
        userId,
      });
    await this.services.identity({ type: 'LockUser', userId, reason: body.reason }, requesterOf(req, caller));
  }

  @Post('users/:userId/unlock')
  @HttpCode(204)
  @ApiOperation({ summary: 'Unlock an account' })
  @done()
  @problems(401, 403, 404, 410)
  async unlock(
    @Param('userId') userId: string,
    @CurrentCaller() caller: Caller,
    @Req() req: FastifyRequest,
  ): Promise<void> {
    await this.services.identity({ type: 'UnlockUser', userId }, requesterOf(req, caller));
  }

  @Post('personal-data/erase-invitee')
  @ReadsReadModels()
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Erase a person known only by the address they were invited at: each organization that invited it records InviteeErased (pending invitations revoked), then the address’s key is destroyed. Someone with an account deletes it instead (409 address-has-account)',
  })
  @answers(200, InviteeErasedView, { lagging: false })
  @problems(400, 401, 403, 409)
  eraseInvitee(@Body() body: EraseInviteeBody, @CurrentCaller() caller: Caller, @Req() req: FastifyRequest) {
    if (!body.email === !body.phone)
      throw new DomainError('validation-failed', 'validation', 'give the e-mail or the phone, one of them', {
        field: 'email',
      });
    const address = body.email ? { email: parseEmail(body.email) } : { phone: parsePhone(body.phone!) };
    return this.erasure.erase(address, requesterOf(req, caller));
  }

  @Post('read-models/rebuild')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Re-project every read model from the event store into fresh collections, then switch reads over at once (reads keep working throughout)',
  })
  @answers(202, RebuildStatusView)
  @problems(401, 403, 409)
  start(@CurrentCaller() caller: Caller, @Req() req: FastifyRequest) {
    return this.rebuilds.start(caller.userId, requesterOf(req, caller).commandId);
  }

  @Get('read-models/rebuild')
  @ApiOperation({ summary: 'The latest rebuild: state, events, events/s, position, fraction done and ETA' })
  @answers(200, RebuildStatusView, { lagging: false })
  @problems(401, 403, 404)
  status() {
    const status = this.rebuilds.status();
    if (!status)
      throw new DomainError('rebuild-not-found', 'not-found', 'no rebuild has run since the start');
    return status;
  }
}
