import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { OrgAccess } from '../access/org-access';
import { CurrentCaller, type Caller } from '../auth/caller';
import { OrganizationCommands } from '../commands/organization-commands';
import { WriteServices, type BodyFieldNames } from '../commands/write-services';
import { type PermissionsCatalog } from '@app/permissions';
import { PERMISSIONS_CATALOG } from '../gateway.tokens';
import { OrgQueries } from '../queries/org-queries';
import { memberView } from '../queries/views';
import { MembersQuery, UpdateMemberBody } from './dto/org.dto';
import { AcceptedView, MemberView, answers, answersPage, doneOrLagging } from './dto/views.dto';
import { problems } from './problems';
import { requesterOf } from './requester';
import { ReadsReadModels } from '../read-models/read-models-filled.guard';
import { ListCursors } from './page';

@ApiTags('members')
@ApiBearerAuth()
@ReadsReadModels()
@Controller('v1/orgs/:orgId/members')
export class MembersController {
  constructor(
    private readonly services: WriteServices,
    private readonly access: OrgAccess,
    private readonly queries: OrgQueries,
    private readonly commands: OrganizationCommands,
    private readonly cursors: ListCursors,
    @Inject(PERMISSIONS_CATALOG) private readonly catalog: PermissionsCatalog,
  ) {}

  @Get()
  @ApiOperation({
    summary:
      'Members with their tags (owner/admin, schedulable, contact person), filtered by role, schedulable, team and text. R13: a User sees themself and the members of their teams.',
  })
  @answersPage(MemberView)
  @problems(400, 401, 403, 404)
  async list(@CurrentCaller() caller: Caller, @Param('orgId') orgId: string, @Query() query: MembersQuery) {
    const standing = await this.access.standing(caller, orgId);
    const { limit: _limit, cursor: _cursor, ...filters } = query;
    const page = await this.queries.members(standing, filters, this.cursors.pageIn('members', orgId, query));
    const teamNames = await this.queries.teamNames(
      standing.org.orgId,
      page.items.flatMap((member) => member.teamIds),
    );
    return {
      items: page.items.map((member) => memberView(member, this.catalog, teamNames)),
      ...this.cursors.next('members', page.nextCursor, query),
    };
  }

  @Get(':userId')
  @ApiOperation({ summary: 'One member (R13)' })
  @answers(200, MemberView, { lagging: false })
  @problems(401, 403, 404)
  async read(
    @CurrentCaller() caller: Caller,
    @Param('orgId') orgId: string,
    @Param('userId') userId: string,
  ) {
    const standing = await this.access.standing(caller, orgId);
    const member = await this.queries.member(standing, userId);
    return memberView(member, this.catalog, await this.queries.teamNames(standing.org.orgId, member.teamIds));
  }

  @Patch(':userId')
  @ApiOperation({
    summary:
      'One change per request: role (R3), grant or revoke permissions (R20), schedulable (R15) or availability (R14)',
  })
  @answers(200, MemberView)
  @problems(400, 401, 403, 404, 422)
  async update(
    @CurrentCaller() caller: Caller,
    @Param('orgId') orgId: string,
    @Param('userId') userId: string,
    @Body() body: UpdateMemberBody,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    const command = commandOf(userId, body);
    return this.commands.answer(
      orgId,
      command,
      requesterOf(req, caller),
      res,
      () => this.read(caller, orgId, userId),
      { bodyNames: BODY_NAMES[command.type] ?? {} },
    );
  }

  @Delete(':userId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a member, from every team too (R8)' })
  @doneOrLagging()
  @problems(401, 403, 404, 422)
  async remove(
    @CurrentCaller() caller: Caller,
    @Param('orgId') orgId: string,
    @Param('userId') userId: string,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.commands.run(orgId, { type: 'RemoveMember', userId }, requesterOf(req, caller), res);
  }

  @Post(':userId/password-reset')
  @HttpCode(202)
  @ApiOperation({ summary: 'Mail a member a password reset link (R17)' })
  @answers(202, AcceptedView)
  @problems(401, 403, 404)
  async passwordReset(
    @CurrentCaller() caller: Caller,
    @Param('orgId') orgId: string,
    @Param('userId') userId: string,
    @Req() req: FastifyRequest,
  ) {
    await this.services.membership(orgId, { type: 'RequestPasswordReset', userId }, requesterOf(req, caller));
    return { status: 'accepted' };
  }
}

/** Where the body calls a command's field otherwise, so that a refusal names what the client sent. */
const BODY_NAMES: Readonly<Record<string, BodyFieldNames>> = {
  GrantPermissions: { permissions: 'grant' },
  RevokePermissions: { permissions: 'revoke' },
  SetAvailability: { available: 'availability.available', weekly: 'availability.weekly' },
};

function commandOf(userId: string, body: UpdateMemberBody): Record<string, unknown> & { type: string } {
  const given = (['role', 'grant', 'revoke', 'schedulable', 'availability'] as const).filter(
    (f) => body[f] !== undefined,
  );
  if (given.length !== 1)
    throw new BadRequestException({
      code: 'validation-failed',
      title: 'give exactly one of role, grant, revoke, schedulable, availability',
      errors: (given.length ? given : ['body']).map((field) => ({
        field,
        message: 'one change per request',
      })),
    });
  switch (given[0]) {
    case 'role':
      return { type: 'ChangeMemberRole', userId, role: body.role };
    case 'grant':
      return { type: 'GrantPermissions', userId, permissions: body.grant };
    case 'revoke':
      return { type: 'RevokePermissions', userId, permissions: body.revoke };
    case 'schedulable':
      return { type: 'SetSchedulable', userId, schedulable: body.schedulable };
    default:
      return {
        type: 'SetAvailability',
        userId,
        available: body.availability!.available,
        weekly: body.availability!.weekly.map((w) => ({ day: w.day, from: w.from, to: w.to })),
      };
  }
}
