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
import { parse } from 'csv-parse/sync';
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
    const body = csv
      ? { rows: rowsOfCsv(String(req.body ?? '')), ...(send === 'false' ? { send: false } : {}) }
      : importBodyOf(req.body);
    const { revision, results } = await this.services.importInvitations(
      orgId,
      body,
      requesterOf(req, caller),
    );
    // Answered row by row whatever the read models show; the wait only lets the caller's next read see the rows.
    await this.freshness.organizationAt(orgId, revision);
    return { results };
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

/** R7 from CSV: a header row, then one person per row; `teamIds` separated by `;`, a role in any case (`Admin`). */
const CSV_COLUMNS = ['email', 'phone', 'role', 'teamIds'];

/** A header row the import cannot read: the whole file is refused, before any row is invited. */
class CsvHeaderError extends Error {}

/**
 * The header row: each column once, each one an import reads, in any case (`Email`, `TEAMIDS`). A column it does not
 * read would refuse every row that fills it and quietly pass every row that leaves it empty. A column without a name
 * (a spreadsheet's trailing comma) is read as none: a value under it is refused with its row.
 */
function csvColumns(header: string[]): string[] {
  const given = header.map((h) => h.trim());
  const unknown = given.find((name) => name !== '' && columnNamed(name) === undefined);
  if (unknown !== undefined)
    throw new CsvHeaderError(
      `${JSON.stringify(unknown.slice(0, 100))} is not a column of an import (${CSV_COLUMNS.join(', ')})`,
    );
  const names = given.map((name) => (name === '' ? '' : columnNamed(name)!));
  const repeated = names.findIndex((name, i) => name !== '' && names.indexOf(name) !== i);
  if (repeated !== -1) throw new CsvHeaderError(`the column ${names[repeated]} is given twice`);
  return names;
}

function columnNamed(name: string): string | undefined {
  return CSV_COLUMNS.find((column) => column.toLowerCase() === name.toLowerCase());
}

/**
 * A row's cells by column: a short row leaves the rest empty; a cell past the header's last column, or under a column
 * without a name, is named by its place (`column 5`), and the row is refused for it, never quietly dropped.
 */
function recordOf(columns: readonly string[], cells: readonly string[]): Record<string, string> {
  const record: Record<string, string> = {};
  cells.forEach((value, i) => {
    const column = columns[i] || `column ${i + 1}`;
    if (value !== '' || !(column in record)) record[column] = value;
  });
  return record;
}

/** The parser quotes the cell it stopped in, which can be as long as the body. */
function atMost(length: number, text: string): string {
  return text.length <= length ? text : `${text.slice(0, length)}…`;
}

export function rowsOfCsv(text: string): Record<string, unknown>[] {
  let records: Record<string, string>[];
  try {
    // Rows may be short or long: a row's cells are its own (R7: one row's fault refuses that row, not the import).
    const [header, ...lines] = parse(text, {
      relax_column_count: true,
      // A quote inside a cell that does not start with one is that cell's text (refused with its row, not the file).
      relax_quotes: true,
      skip_empty_lines: true,
      // A line of empty cells (`,,,`: what a spreadsheet exports for its blank rows) is no row, as a blank line is not.
      skip_records_with_empty_values: true,
      trim: true,
      bom: true,
    }) as string[][];
    const columns = header ? csvColumns(header) : [];
    records = lines.map((cells) => recordOf(columns, cells));
  } catch (error) {
    const header = error instanceof CsvHeaderError;
    throw new BadRequestException({
      code: 'validation-failed',
      title: header
        ? `The header row: ${error.message}`
        : `not CSV: ${atMost(200, (error as Error).message)}`,
      errors: [{ field: 'body', message: header ? error.message : 'not CSV with a header row' }],
    });
  }
  if (records.length === 0 || records.length > 1_000)
    throw new BadRequestException({
      code: 'validation-failed',
      title: 'give 1 to 1,000 rows',
      errors: [{ field: 'rows', message: 'give 1 to 1,000 rows' }],
    });
  return records.map((record) => {
    const row: Record<string, unknown> = {};
    for (const [column, value] of Object.entries(record)) {
      if (value === '') continue;
      row[column] = column === 'teamIds' ? listOf(value) : column === 'role' ? value.toLowerCase() : value;
    }
    return row;
  });
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

/** `teamIds` in a CSV cell: separated by `;`. */
function listOf(cell: string): string[] {
  return cell
    .split(';')
    .map((t) => t.trim())
    .filter(Boolean);
}
