import {
  applyDecorators,
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Req,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { DomainError } from '@app/domain';
import { type InvitationTokens } from '@app/invitation-tokens';
import { validationProblem } from '@app/platform';
import { SYSTEM_ACTOR } from '@app/event-store';
import { givesInvitationTerms, type PermissionsCatalog } from '@app/permissions';
import { OrgAccess } from '../access/org-access';
import { AccessTokenStrategy } from '../auth/access-token.strategy';
import { Public } from '../auth/caller';
import { ReadYourWrites } from '../commands/read-your-writes';
import { WriteServices } from '../commands/write-services';
import { INVITATION_TOKENS, PERMISSIONS_CATALOG, READ_MODELS } from '../gateway.tokens';
import { orgScoped, type InvitationDoc } from '../read-models/documents';
import { type ReadModels } from '../read-models/read-models';
import { AcceptInvitationBody, AcceptInvitationWithTokenBody, InvitationTokenBody } from './dto/auth.dto';
import { InvitationAcceptance, InvitationPreview, answers } from './dto/views.dto';
import { problems } from './problems';
import { AnonymousRequesters, headerOf, requesterOf } from './requester';
import { ReadsReadModels } from '../read-models/read-models-filled.guard';

const GONE = {
  accepted: 'invitation-already-accepted',
  revoked: 'invitation-revoked',
  expired: 'invitation-expired',
} as const;

/** What accepting answers, whichever way the token comes. */
const acceptanceAnswers = () =>
  applyDecorators(
    answers(200, InvitationAcceptance, { lagging: false }),
    ApiResponse({
      status: 202,
      type: InvitationAcceptance,
      description: 'accepted; the membership is not in the read models yet',
    }),
    ApiResponse({
      status: 410,
      description:
        'the invitation was revoked, expired or accepted, or its organization deleted; if that happened while a new account was being registered from it, the problem names the account (`userId`), which exists and signs in',
    }),
    // 422: signed in with an address not verified yet (email-not-verified).
    problems(400, 401, 403, 404, 409, 410, 422),
  );

/** The invitation links people follow from their mail or SMS (R5). */
@ApiTags('invitations')
@Public()
@ReadsReadModels()
@Controller('v1/invitations')
export class PublicInvitationsController {
  constructor(
    private readonly services: WriteServices,
    private readonly freshness: ReadYourWrites,
    private readonly tokens: AccessTokenStrategy,
    @Inject(INVITATION_TOKENS) private readonly links: InvitationTokens,
    @Inject(READ_MODELS) private readonly models: ReadModels,
    private readonly access: OrgAccess,
    @Inject(PERMISSIONS_CATALOG) private readonly catalog: PermissionsCatalog,
    private readonly anonymous: AnonymousRequesters,
  ) {}

  @Post('preview')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'What a link invites to, the token in the body (in no URL, so in no access log): as GET /v1/invitations/{token}',
  })
  @answers(200, InvitationPreview, { lagging: false })
  @problems(400, 404, 410)
  previewByBody(@Body() body: InvitationTokenBody) {
    return this.preview(body.token);
  }

  @Post('accept')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Accept, the token in the body (in no URL, so in no access log): as POST /v1/invitations/{token}/accept (R5)',
    security: [{}, { bearer: [] }],
  })
  @acceptanceAnswers()
  acceptByBody(
    @Body() body: AcceptInvitationWithTokenBody,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.accept(body.token, body, req, res);
  }

  @Get(':token')
  @ApiOperation({
    summary: 'What a link invites to: organization, role, and whether the invitee already has an account',
  })
  @answers(200, InvitationPreview, { lagging: false })
  @problems(400, 404, 410)
  async preview(@Param('token') token: string) {
    const invitation = await this.current(token);
    if (!(await this.stillGiven(invitation)))
      throw new DomainError('invitation-revoked', 'gone', 'this invitation was revoked');
    const org = await this.models.organizations.get(invitation.orgId);
    const account = invitation.email
      ? (await this.models.users.find({ where: { email: invitation.email } }, { limit: 1 })).items.length > 0
      : (await this.models.users.find({ where: { phone: invitation.phone! } }, { limit: 1 })).items.length >
        0;
    return {
      orgName: org?.name ?? '',
      role: invitation.role,
      ...(invitation.email ? { email: invitation.email } : { phone: invitation.phone }),
      expiresAt: invitation.expiresAt,
      accountExists: account,
    };
  }

  @Post(':token/accept')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Accept: signed in (Authorization header) as the invited person, or as a new person with name, password and termsAccepted (R5)',
    // Signing in is optional here: anonymous, or the invited person's access token.
    security: [{}, { bearer: [] }],
  })
  @acceptanceAnswers()
  async accept(
    @Param('token') token: string,
    @Body() body: AcceptInvitationBody,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    // Signed in or not, as the caller chooses; an Authorization header that names no valid token is never ignored.
    const authorization = headerOf(req, 'authorization');
    const bearer = authorization === undefined ? undefined : bearerTokenOf(authorization);
    const caller = bearer ? await this.tokens.validate(bearer) : undefined;
    if (authorization !== undefined && !caller)
      throw new UnauthorizedException({ code: 'unauthenticated', title: 'the access token is not valid' });
    if (caller) {
      const accepted = await this.services.identity<{
        orgId: string;
        invitationId: string;
        revision: string | null;
      }>({ type: 'AcceptInvitation', token }, requesterOf(req, caller));
      const shown = await this.freshness.organizationAt(accepted.orgId, accepted.revision);
      return this.answer({ ...accepted, userId: caller.userId }, shown, res);
    }
    // Signed out, accepting is registering: the account's name and password are required, and said to be.
    const missing = (['name', 'password'] as const).filter((field) => body[field] === undefined);
    if (missing.length > 0)
      throw validationProblem(
        missing.map((field) => ({
          field,
          message: `${field} is required to register (or sign in to accept)`,
        })),
      );
    const registered = await this.services.identity<{ userId: string; orgId: string; invitationId: string }>(
      {
        type: 'RegisterFromInvitation',
        token,
        name: body.name,
        password: body.password,
        termsAccepted: body.termsAccepted ?? false,
        ...(body.email ? { email: body.email } : {}),
        ...(body.locale ? { locale: body.locale } : {}),
      },
      this.anonymous.requesterOf(req),
    );
    // Membership accepts for the new account when it sees it registered: wait until it shows (read-your-writes), or
    // the read models show it will not (the invitation revoked or its link replaced meanwhile).
    const sendSequence = this.links.verify(token)?.sendSequence;
    const refusal = (final: boolean) => this.refusalAfterRegistering(registered, sendSequence, final);
    const shown = await this.freshness.memberShows(
      registered.orgId,
      registered.userId,
      async () => (await refusal(false)) !== undefined,
    );
    const code = shown ? undefined : await refusal(true);
    if (code)
      throw new DomainError(
        code,
        'gone',
        `your account was created, but the invitation could not be accepted (${code}); sign in with it`,
        { userId: registered.userId },
      );
    return this.answer(registered, shown, res);
  }

  /**
   * The account was registered, but membership did not admit it: the invitation was revoked, expired (by the sweep) or
   * taken, or its link replaced, while the account was made, or its organization deleted. Said so, rather than 202
   * (which promises the membership): the account itself stays, and signs in. A read model that merely lags, or an
   * expiry it cannot tell from a late acceptance, still answers 202.
   */
  private async refusalAfterRegistering(
    registered: { userId: string; orgId: string; invitationId: string },
    /** The link's. */
    sendSequence: number | undefined,
    /** Once the wait is over: an organization the read models do not hold is then taken as deleted. */
    final: boolean,
  ): Promise<string | undefined> {
    const { userId, orgId, invitationId } = registered;
    const invitation = await this.models.invitations.get(orgScoped(orgId, invitationId));
    const gone = !invitation
      ? undefined
      : invitation.status !== 'pending'
        ? invitation.acceptedBy === userId
          ? undefined
          : GONE[invitation.status]
        : // A newer link than this one; an older sequence only means the read model is behind.
          invitation.sendSequence > (sendSequence ?? Infinity)
          ? 'invitation-link-superseded'
          : undefined;
    // While waiting, only a changed invitation stops the wait (a deleted organization revokes its invitations).
    if (gone === undefined && !final) return undefined;
    const org = await this.models.organizations.get(orgId);
    return org?.deleted || (final && !org) ? 'organization-deleted' : gone;
  }

  private answer(
    accepted: { userId: string; orgId: string; invitationId: string },
    shown: boolean,
    res: FastifyReply,
  ) {
    const { userId, orgId, invitationId } = accepted;
    if (!shown) res.status(202);
    return { status: shown ? 'member' : 'accepted', userId, orgId, invitationId };
  }

  /**
   * R5, as accepting it checks: an Admin's invitation, or one granting permissions, lasts no longer than its giver's
   * right to give it (removed, demoted, or no longer an Admin through the parent: R19); a plain User's outlives them.
   */
  private async stillGiven(invitation: InvitationDoc): Promise<boolean> {
    const giver = invitation.grantedBy;
    // Projected before `grantedBy` was kept: the inviter may not be who set the terms, so only accepting can tell.
    if (giver === undefined || giver === SYSTEM_ACTOR) return true;
    if (invitation.role === 'user' && invitation.permissions.length === 0) return true;
    try {
      const standing = await this.access.standing({ userId: giver, twoFactor: true }, invitation.orgId);
      return givesInvitationTerms(this.catalog, standing, invitation);
    } catch (noStanding) {
      if (noStanding instanceof DomainError) return false;
      throw noStanding;
    }
  }

  /**
   * The invitation a link stands for, if it is the latest link of a pending, unexpired invitation. The one read-model
   * query without an organization in its filter: a link names only its invitation, signed, and the organization is
   * the one that invitation is of (invitation ids are made from their organization's, so no two organizations share
   * one).
   */
  private async current(token: string): Promise<InvitationDoc> {
    const claims = token.length <= 512 ? this.links.verify(token) : undefined;
    if (!claims)
      throw new DomainError('invitation-token-invalid', 'validation', 'this invitation link is not valid', {
        field: 'token',
      });
    const [invitation] = (
      await this.models.invitations.find({ where: { invitationId: claims.invitationId } }, { limit: 1 })
    ).items;
    if (!invitation) throw new DomainError('invitation-not-found', 'not-found', 'no such invitation');
    if (invitation.status !== 'pending')
      throw new DomainError(GONE[invitation.status], 'gone', `this invitation was ${invitation.status}`);
    if (invitation.sendSequence !== claims.sendSequence)
      throw new DomainError('invitation-link-superseded', 'gone', 'this link was replaced by a newer one');
    if (Date.parse(invitation.expiresAt) <= Date.now())
      throw new DomainError('invitation-expired', 'gone', 'this invitation expired');
    return invitation;
  }
}

/** `Bearer <token>` as passport-http-bearer reads it on every other route: the scheme in any case, one space. */
function bearerTokenOf(authorization: string): string | undefined {
  const parts = authorization.split(' ');
  return parts.length === 2 && /^Bearer$/i.test(parts[0]!) && parts[1] !== '' ? parts[1] : undefined;
}
