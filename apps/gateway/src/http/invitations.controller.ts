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
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { DomainError } from '@app/domain';
import { validationProblem } from '@app/platform';
import { OrgAccess } from '../access/org-access';
import { CurrentCaller, type Caller } from '../auth/caller';
import { OrganizationCommands } from '../commands/organization-commands';
import { ReadYourWrites } from '../commands/read-your-writes';
import { WriteServices } from '../commands/write-services';
import { READ_MODELS } from '../gateway.tokens';
import { orgScoped } from '../read-models/documents';
import { type ReadModels } from '../read-models/read-models';
import { invitationsWhere, invitationView } from '../queries/views';
import { ChangeInvitationBody, ImportBody, InvitationBody, InvitationsQuery } from './dto/team.dto';
import { newId } from './orgs.controller';
import { ImportResult, InvitationView, answers, answersPage, doneOrLagging } from './dto/views.dto';
import { problems } from './problems';
import { rowsOfCsv } from './import-csv';
import { TakesCsv } from './takes-csv';
import { headerOf, requesterOf } from './requester';
import { ReadsReadModels } from '../read-models/read-models-filled.guard';
import { ListCursors } from './page';
import { ReadsBody } from '../edge/request-shape.guard';

@ApiTags('invitations')
@ApiBearerAuth()
@ReadsReadModels()
@Controller('v1/orgs/:orgId/invitations')
export class InvitationsController {
  constructor(
    private readonly services: WriteServices,
    private readonly access: OrgAccess,
    private readonly freshness: ReadYourWrites,
    private readonly commands: OrganizationCommands,
    @Inject(READ_MODELS) private readonly models: ReadModels,
    private readonly cursors: ListCursors,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Invite by e-mail or phone with a role, teams and permissions; send now or later (R5, R6)',
    description:
      'A number that is not a person’s line (premium-rate, shared-cost, personal-number, toll-free, universal access, voicemail, ' +
      'pager) is refused (422 `phone-not-personal`, `details.lineType`).',
  })
  @answers(201, InvitationView)
  @problems(400, 401, 403, 404, 409, 422)
  async invite(
    @CurrentCaller() caller: Caller,
    @Param('orgId') orgId: string,
    @Body() body: InvitationBody,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    if (!body.email === !body.phone)
      throw new BadRequestException({
        code: 'validation-failed',
        title: 'give exactly one of email or phone',
        errors: [{ field: body.email ? 'phone' : 'email', message: 'give exactly one of email or phone' }],
      });
    const requester = requesterOf(req, caller);
    const invitationId = newId(requester.commandId, orgId);
    return this.commands.create(
      orgId,
      { type: 'InviteMember', invitationId, ...body, send: body.send ?? true },
      requester,
      res,
      { location: `/v1/orgs/${orgId}/invitations/${invitationId}`, id: { invitationId } },
      () => this.read(caller, orgId, invitationId),
    );
  }

  @Post('import')
  @HttpCode(200)
  @TakesCsv()
  @ApiConsumes('application/json', 'text/csv')
  @ApiBody({
    description:
      'JSON `{ rows, send? }`, or CSV with a header row (`email`, `phone`, `role`, `teamIds` separated by `;`; column names and roles in any case; blank lines and lines of empty cells are no rows); `?send=false` for CSV',
    type: ImportBody,
  })
  @ApiOperation({
    summary: 'Bulk invitations, row by row with a result per row; re-running invites nobody twice (R7)',
  })
  @ApiQuery({
    name: 'send',
    required: false,
    enum: ['true', 'false'],
    description:
      'CSV only: `false` keeps the invitations unsent, `true` (the default) sends them. A JSON body says `send` in the body: with JSON this parameter is a 400',
  })
  @answers(200, ImportResult, { lagging: false })
  @problems(400, 401, 403, 404, 413)
  @ReadsBody()
  async import(
    @CurrentCaller() caller: Caller,
    @Param('orgId') orgId: string,
    @Req() req: FastifyRequest,
    @Query('send') send?: string,
  ) {
    // Rows are decided one by one; someone who may invite nobody is refused the whole import up front.
    await this.access.requiring(caller, orgId, 'members.invite');
    if (send !== undefined && send !== 'true' && send !== 'false')
      throw new BadRequestException({
        code: 'validation-failed',
        title: 'send: true or false',
        errors: [{ field: 'send', message: 'send must be true or false' }],
      });
    const csv = /^text\/csv\b/i.test(headerOf(req, 'content-type') ?? '');
    if (!csv && send !== undefined)
      throw new BadRequestException({
        code: 'validation-failed',
        title: 'send: a JSON import says send in its body',
        errors: [{ field: 'send', message: 'send is for CSV; a JSON import says send in its body' }],
      });
    const file = csv ? rowsOfCsv(String(req.body ?? '')) : undefined;
    const body = file
      ? { rows: file.rows, ...(send === 'false' ? { send: false } : {}) }
      : importBodyOf(req.body);
    const { revision, results } = await this.services.importInvitations(
      orgId,
      body,
      requesterOf(req, caller),
    );
    // Answered row by row whatever the read models show; the wait only lets the caller's next read see the rows.
    await this.freshness.organizationAt(orgId, revision);
    // A CSV row also says the line of the file it starts on, as a spreadsheet or an editor numbers it.
    return {
      results: file ? results.map((result) => ({ ...result, line: file.lines[result.row] })) : results,
    };
  }

  @Get()
  @ApiOperation({ summary: 'Invitations, filtered by status (R5; members.read)' })
  @answersPage(InvitationView)
  @problems(400, 401, 403, 404)
  async list(
    @CurrentCaller() caller: Caller,
    @Param('orgId') orgId: string,
    @Query() query: InvitationsQuery,
  ) {
    await this.access.requiring(caller, orgId, 'members.read');
    const where = invitationsWhere(orgId, query.status, new Date().toISOString());
    const page = await this.models.invitations.find(
      { where },
      this.cursors.pageIn('invitations', orgId, query),
    );
    return {
      items: page.items.map((i) => invitationView(i)),
      ...this.cursors.next('invitations', page.nextCursor, query),
    };
  }

  @Get(':invitationId')
  @ApiOperation({ summary: 'One invitation (members.read)' })
  @answers(200, InvitationView, { lagging: false })
  @problems(401, 403, 404)
  async read(
    @CurrentCaller() caller: Caller,
    @Param('orgId') orgId: string,
    @Param('invitationId') invitationId: string,
  ) {
    await this.access.requiring(caller, orgId, 'members.read');
    const invitation = await this.models.invitations.get(orgScoped(orgId, invitationId));
    if (!invitation)
      throw new DomainError('invitation-not-found', 'not-found', `no invitation ${invitationId}`, {
        invitationId,
      });
    return invitationView(invitation);
  }

  @Patch(':invitationId')
  @ApiOperation({
    summary: 'Change the role, teams or permissions of a pending invitation (R5)',
    description:
      'The role is always given; `teamIds` or `permissions` left out stay as they are, and an empty list clears them.',
  })
  @answers(200, InvitationView)
  @problems(400, 401, 403, 404, 409, 410, 422)
  async change(
    @CurrentCaller() caller: Caller,
    @Param('orgId') orgId: string,
    @Param('invitationId') invitationId: string,
    @Body() body: ChangeInvitationBody,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.commands.answer(
      orgId,
      { type: 'ChangeInvitation', invitationId, ...body },
      requesterOf(req, caller),
      res,
      () => this.read(caller, orgId, invitationId),
    );
  }

  @Post(':invitationId/send')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send or resend: a new link, the previous one stops working (R5, R6)' })
  @answers(200, InvitationView)
  // 422: a number no longer texted (phone-not-personal).
  @problems(401, 403, 404, 409, 410, 422)
  async send(
    @CurrentCaller() caller: Caller,
    @Param('orgId') orgId: string,
    @Param('invitationId') invitationId: string,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.commands.answer(
      orgId,
      { type: 'SendInvitation', invitationId },
      requesterOf(req, caller),
      res,
      () => this.read(caller, orgId, invitationId),
    );
  }

  @Delete(':invitationId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a pending invitation (R5)' })
  @doneOrLagging()
  // 410: expired (invitation-expired), as every command on it.
  @problems(401, 403, 404, 409, 410)
  async revoke(
    @CurrentCaller() caller: Caller,
    @Param('orgId') orgId: string,
    @Param('invitationId') invitationId: string,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.commands.run(
      orgId,
      { type: 'RevokeInvitation', invitationId },
      requesterOf(req, caller),
      res,
    );
  }
}

/** JSON bodies are checked like every other body (the route also takes CSV, so the pipe cannot do it). */
function importBodyOf(body: unknown): { rows: unknown[]; send?: boolean } {
  const checked = plainToInstance(ImportBody, body ?? {});
  const errors = validateSync(checked, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) throw validationProblem(fieldErrors(errors));
  return {
    rows: [...checked.rows],
    ...(checked.send !== undefined ? { send: checked.send } : {}),
  };
}

function fieldErrors(errors: ValidationError[], prefix = ''): { field: string; message: string }[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    return [
      ...Object.values(e.constraints ?? {}).map((message) => ({ field, message })),
      ...fieldErrors(e.children ?? [], field),
    ];
  });
}
