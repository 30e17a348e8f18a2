import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Put,
  Req,
  Res,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { DomainError } from '@app/domain';
import { CurrentCaller, type Caller } from '../auth/caller';
import { SessionChecks } from '../auth/session-checks';
import { ReadYourWrites } from '../commands/read-your-writes';
import { WriteServices, type EmailChangePending, type Profile } from '../commands/write-services';
import { READ_MODELS } from '../gateway.tokens';
import { findAll, type ReadModels } from '../read-models/read-models';
import { myOrganizationView, userView } from '../queries/views';
import {
  ChangeEmailBody,
  ChangePasswordBody,
  DeleteMeBody,
  StartTwoFactorBody,
  TwoFactorCodeBody,
  UpdateMeBody,
} from './dto/auth.dto';
import {
  AcceptedView,
  DeletedAccountView,
  EmailChangeView,
  MyOrganizationView,
  RecoveryCodesView,
  OpenSessionView,
  TwoFactorEnrollmentView,
  UserView,
  answers,
  answersPage,
  done,
} from './dto/views.dto';
import { problems } from './problems';
import { requesterOf } from './requester';
import { ReadsReadModels } from '../read-models/read-models-filled.guard';
import { requireSomeChange } from './dto/some-change';

@ApiTags('me')
@ApiBearerAuth()
@Controller('v1/me')
export class MeController {
  constructor(
    private readonly services: WriteServices,
    private readonly freshness: ReadYourWrites,
    @Inject(READ_MODELS) private readonly models: ReadModels,
    private readonly sessionChecks: SessionChecks,
  ) {}

  @Get()
  @ReadsReadModels()
  @ApiOperation({ summary: 'My profile' })
  @answers(200, UserView, { lagging: false })
  @problems(401, 404)
  async profile(@CurrentCaller() caller: Caller) {
    const user = await this.models.users.get(caller.userId);
    if (!user) throw new DomainError('user-not-found', 'not-found', 'no such user');
    return userView(user);
  }

  @Patch()
  @ApiOperation({
    summary:
      'Change my name, phone or locale (R14: members edit their own profile); null removes the phone; the locale is the language of messages to me',
  })
  @answers(200, UserView)
  @problems(400, 401, 409)
  async update(
    @CurrentCaller() caller: Caller,
    @Body() body: UpdateMeBody,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    requireSomeChange(body, ['name', 'phone', 'locale']);
    const profile = await this.services.identity<Profile>(
      { type: 'UpdateProfile', ...body },
      requesterOf(req, caller),
    );
    return this.freshness.answerProfile(profile, res);
  }

  @Delete()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Delete my account (R10): I leave every organization; those I own go with it when I confirm',
  })
  @answers(200, DeletedAccountView, { lagging: false })
  @problems(400, 401, 403, 404, 409, 422)
  @ReadsReadModels()
  async remove(@CurrentCaller() caller: Caller, @Body() body: DeleteMeBody, @Req() req: FastifyRequest) {
    const checked = await this.organizationsToDelete(caller, body);
    return this.services.identity(
      {
        type: 'DeleteAccount',
        ...body,
        ...checked,
        confirmOwnedOrganizations: body.confirmOwnedOrganizations ?? false,
      },
      requesterOf(req, caller),
    );
  }

  /**
   * Identity deletes only the organizations named (and refuses if it finds another one owned). A named one the read
   * models do not show the caller in is refused alike whatever its settings (another tenant's are not told); one
   * handed over a moment ago is shown once they are projected. R22: deleting what one owns is an act in each
   * organization, so without a second factor those the caller owns or names are checked, and only those are named
   * to identity: one handed over since the read models were last projected is not deleted unchecked.
   */
  private async organizationsToDelete(
    caller: Caller,
    body: DeleteMeBody,
  ): Promise<{ ownedOrganizationIds?: string[] }> {
    const named = body.ownedOrganizationIds;
    const checksSecondFactor = body.confirmOwnedOrganizations === true && !caller.twoFactor;
    if (named === undefined && !checksSecondFactor) return {};
    // Every one of them: a check that stopped at a page would let enough owned organizations hide one.
    const memberships = await findAll(this.models.members, { where: { userId: caller.userId } });
    const memberOf = new Set(memberships.map((m) => m.orgId));
    if (named?.some((orgId) => !memberOf.has(orgId)))
      throw new DomainError(
        'organization-not-found',
        'not-found',
        'an organization named is not one of yours (one handed to you a moment ago: try again shortly)',
        { field: 'ownedOrganizationIds' },
      );
    if (!checksSecondFactor) return {};
    const ownedIds = memberships.filter((m) => m.role === 'owner').map((m) => m.orgId);
    for (const orgId of new Set([...ownedIds, ...(named ?? [])]))
      if ((await this.models.organizations.get(orgId))?.requireTwoFactor)
        throw new DomainError(
          'two-factor-required',
          'forbidden',
          'an organization you own requires a second factor to be deleted: sign in with it (R22)',
          { orgId },
        );
    return { ownedOrganizationIds: named ? [...named] : ownedIds };
  }

  @Get('organizations')
  @ReadsReadModels()
  @ApiOperation({ summary: 'The organizations I belong to, with my role' })
  @answersPage(MyOrganizationView)
  @problems(401)
  async organizations(@CurrentCaller() caller: Caller) {
    const memberships = await findAll(this.models.members, { where: { userId: caller.userId } });
    return { items: memberships.map(myOrganizationView) };
  }

  @Get('sessions')
  @ApiOperation({
    summary:
      'Where I am signed in: my open sessions, the latest used first, each with when it was opened and last used, until when it lasts, and whether with a second factor',
  })
  @answersPage(OpenSessionView)
  @problems(401)
  async sessions(@CurrentCaller() caller: Caller, @Req() req: FastifyRequest) {
    const { sessions } = await this.services.identity<{ sessions: Omit<OpenSessionView, 'current'>[] }>(
      { type: 'ListSessions' },
      requesterOf(req, caller),
    );
    return {
      items: sessions.map((session) => ({ ...session, current: session.sessionId === caller.sessionId })),
    };
  }

  @Delete('sessions/:sessionId')
  @HttpCode(204)
  @ApiOperation({
    summary:
      'End one of my sessions (a device I no longer have): its refresh token stops working at once, its access tokens at once on this gateway and within SESSION_CHECK_MS on others. Ending one that has ended is 204 too',
  })
  @done()
  // 400: an id longer than any; 404: no session of mine has that id.
  @problems(400, 401, 404)
  async endSession(
    @CurrentCaller() caller: Caller,
    @Param('sessionId') sessionId: string,
    @Req() req: FastifyRequest,
  ) {
    await this.services.identity({ type: 'EndSession', sessionId }, requesterOf(req, caller));
    // As a logout through this gateway does: its access tokens are refused here at once, elsewhere at the next check.
    this.sessionChecks.ended(sessionId);
  }

  @Put('password')
  @HttpCode(204)
  @ApiOperation({ summary: 'Change my password with the current one; every session ends' })
  @done()
  @ApiResponse({
    status: 202,
    type: AcceptedView,
    description: 'done, but the read models had not ended the old sessions within READ_YOUR_WRITES_MS',
  })
  @problems(400, 401, 403, 409)
  async changePassword(
    @CurrentCaller() caller: Caller,
    @Body() body: ChangePasswordBody,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    // The password policy names the password it judged `password`; this body calls it `newPassword`.
    const { revision } = await this.services.identity<{ revision?: string }>(
      { type: 'ChangePassword', ...body },
      requesterOf(req, caller),
      { bodyNames: { password: 'newPassword' } },
    );
    return this.freshness.sessionsEnded(caller.userId, revision, res);
  }

  @Put('email')
  @ApiOperation({
    summary:
      'Change my e-mail address: a link goes to the new one, and the account moves there (verified) once it is used at POST /v1/auth/verify-email (R18)',
  })
  @ApiResponse({
    status: 200,
    type: UserView,
    description: "the address is the account's already: nothing sent",
  })
  @ApiResponse({
    status: 202,
    type: EmailChangeView,
    description: 'a confirmation link went to the new address; the account keeps its address until then',
  })
  @problems(400, 401, 403, 409)
  async changeEmail(
    @CurrentCaller() caller: Caller,
    @Body() body: ChangeEmailBody,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    const answer = await this.services.identity<Profile | EmailChangePending>(
      { type: 'ChangeEmail', ...body },
      requesterOf(req, caller),
    );
    if (!('pendingEmail' in answer)) return this.freshness.answerProfile(answer, res);
    res.status(202);
    const { pendingEmail, expiresAt } = answer;
    return { status: 'confirmation-sent', pendingEmail, ...(expiresAt ? { expiresAt } : {}) };
  }

  @Post('two-factor')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'R22: start enrolling an authenticator, with the password again: the secret and an otpauth:// URI to scan; confirm with a code',
  })
  @answers(200, TwoFactorEnrollmentView, { lagging: false })
  @problems(400, 401, 403, 409, 422)
  startTwoFactor(
    @CurrentCaller() caller: Caller,
    @Body() body: StartTwoFactorBody,
    @Req() req: FastifyRequest,
  ) {
    return this.services.identity(
      { type: 'StartTwoFactorEnrollment', password: body.password },
      requesterOf(req, caller),
    );
  }

  @Post('two-factor/confirm')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'R22: confirm the enrolment with a code: recovery codes, shown once; sign in again (with a code)',
  })
  @answers(200, RecoveryCodesView, { lagging: false })
  // 403: too many wrong codes, as at sign-in (the count is shared), for 15 minutes.
  @problems(400, 401, 403, 404, 409)
  confirmTwoFactor(
    @CurrentCaller() caller: Caller,
    @Body() body: TwoFactorCodeBody,
    @Req() req: FastifyRequest,
  ) {
    return this.services.identity({ type: 'ConfirmTwoFactor', code: body.code }, requesterOf(req, caller));
  }

  @Post('two-factor/recovery-codes')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "R22: new recovery codes, shown once, for a current code from the authenticator (not a recovery code); the old codes stop working, sessions go on (unless this also records a set-up that was never recorded, which ends them, as turning it on does). Also what to do when a set-up's answer (its codes) was lost",
  })
  @answers(200, RecoveryCodesView, { lagging: false })
  // 403: a wrong code (counted, shared with sign-in), a code used already (`two-factor-code-used`, not counted), or too
  // many wrong codes; 404: two-factor is not on; 409: set up again or its codes replaced meanwhile, or the request
  // repeated under its key (`recovery-codes-shown-once`). A lost answer is asked again with a new code.
  @problems(400, 401, 403, 404, 409)
  replaceRecoveryCodes(
    @CurrentCaller() caller: Caller,
    @Body() body: TwoFactorCodeBody,
    @Req() req: FastifyRequest,
  ) {
    return this.services.identity(
      { type: 'ReplaceRecoveryCodes', code: body.code },
      requesterOf(req, caller),
    );
  }

  @Delete('two-factor')
  @HttpCode(204)
  @ApiOperation({ summary: 'R22: turn two-factor authentication off with a current code' })
  @done()
  @ApiResponse({
    status: 202,
    type: AcceptedView,
    description: 'done, but the read models had not ended the old sessions within READ_YOUR_WRITES_MS',
  })
  @problems(400, 401, 403, 404, 409)
  async disableTwoFactor(
    @CurrentCaller() caller: Caller,
    @Body() body: TwoFactorCodeBody,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    const { revision } = await this.services.identity<{ revision?: string }>(
      { type: 'DisableTwoFactor', code: body.code },
      requesterOf(req, caller),
    );
    return this.freshness.sessionsEnded(caller.userId, revision, res);
  }
}
