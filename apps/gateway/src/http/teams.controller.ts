import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { OrgAccess } from '../access/org-access';
import { CurrentCaller, type Caller } from '../auth/caller';
import { OrganizationCommands } from '../commands/organization-commands';
import { OrgQueries } from '../queries/org-queries';
import { teamView } from '../queries/views';
import { PageQuery } from './dto/org.dto';
import { TeamBody, TeamMemberBody } from './dto/team.dto';
import { newId } from './orgs.controller';
import { TeamView, answers, answersPage, doneOrLagging } from './dto/views.dto';
import { problems } from './problems';
import { requesterOf } from './requester';
import { ReadsReadModels } from '../read-models/read-models-filled.guard';
import { ListCursors } from './page';

@ApiTags('teams')
@ApiBearerAuth()
@ReadsReadModels()
@Controller('v1/orgs/:orgId/teams')
export class TeamsController {
  constructor(
    private readonly access: OrgAccess,
    private readonly queries: OrgQueries,
    private readonly commands: OrganizationCommands,
    private readonly cursors: ListCursors,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a team (R11; teams.create)' })
  @answers(201, TeamView)
  @problems(400, 401, 403, 404, 409)
  async create(
    @CurrentCaller() caller: Caller,
    @Param('orgId') orgId: string,
    @Body() body: TeamBody,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    const requester = requesterOf(req, caller);
    const teamId = newId(requester.commandId, orgId);
    return this.commands.create(
      orgId,
      { type: 'CreateTeam', teamId, name: body.name },
      requester,
      res,
      { location: `/v1/orgs/${orgId}/teams/${teamId}`, id: { teamId } },
      () => this.read(caller, orgId, teamId),
    );
  }

  @Get()
  @ApiOperation({ summary: 'Teams (R13: a User sees the teams they belong to)' })
  @answersPage(TeamView)
  @problems(400, 401, 403, 404)
  async list(@CurrentCaller() caller: Caller, @Param('orgId') orgId: string, @Query() query: PageQuery) {
    const page = await this.queries.teams(
      await this.access.standing(caller, orgId),
      this.cursors.pageIn('teams', orgId, query),
    );
    return { items: page.items.map(teamView), ...this.cursors.next('teams', page.nextCursor, query) };
  }

  @Get(':teamId')
  @ApiOperation({ summary: 'One team with its managers and members' })
  @answers(200, TeamView, { lagging: false })
  @problems(401, 403, 404)
  async read(
    @CurrentCaller() caller: Caller,
    @Param('orgId') orgId: string,
    @Param('teamId') teamId: string,
  ) {
    return teamView(await this.queries.team(await this.access.standing(caller, orgId), teamId));
  }

  @Patch(':teamId')
  @ApiOperation({ summary: 'Rename a team (R11: teams.manage, or its managers)' })
  @answers(200, TeamView)
  @problems(400, 401, 403, 404, 409)
  async rename(
    @CurrentCaller() caller: Caller,
    @Param('orgId') orgId: string,
    @Param('teamId') teamId: string,
    @Body() body: TeamBody,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.commands.answer(
      orgId,
      { type: 'RenameTeam', teamId, name: body.name },
      requesterOf(req, caller),
      res,
      () => this.read(caller, orgId, teamId),
    );
  }

  @Delete(':teamId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a team (R11; teams.manage)' })
  @doneOrLagging()
  @problems(401, 403, 404)
  async remove(
    @CurrentCaller() caller: Caller,
    @Param('orgId') orgId: string,
    @Param('teamId') teamId: string,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.commands.run(orgId, { type: 'DeleteTeam', teamId }, requesterOf(req, caller), res);
  }

  @Put(':teamId/members/:userId')
  @ApiOperation({
    summary: 'Add a member to the team as manager or member, or change their team role (R11, R12)',
  })
  @answers(200, TeamView)
  // 422: someone acting as an Admin through the parent putting themself in (cannot-change-own-role).
  @problems(400, 401, 403, 404, 422)
  async addMember(
    @CurrentCaller() caller: Caller,
    @Param('orgId') orgId: string,
    @Param('teamId') teamId: string,
    @Param('userId') userId: string,
    @Body() body: TeamMemberBody,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.commands.answer(
      orgId,
      { type: 'AddTeamMember', teamId, userId, role: body.role },
      requesterOf(req, caller),
      res,
      () => this.read(caller, orgId, teamId),
    );
  }

  @Delete(':teamId/members/:userId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Take a member out of the team (R11)' })
  @doneOrLagging()
  @problems(401, 403, 404)
  async removeMember(
    @CurrentCaller() caller: Caller,
    @Param('orgId') orgId: string,
    @Param('teamId') teamId: string,
    @Param('userId') userId: string,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.commands.run(
      orgId,
      { type: 'RemoveTeamMember', teamId, userId },
      requesterOf(req, caller),
      res,
    );
  }
}
