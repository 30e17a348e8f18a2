import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { v5 as uuidv5 } from 'uuid';
import { DomainError } from '@app/domain';
import { OrgQueries } from '../queries/org-queries';
import { OrgAccess } from '../access/org-access';
import { CurrentCaller, type Caller } from '../auth/caller';
import { OrganizationCommands } from '../commands/organization-commands';
import { organizationView } from '../queries/views';
import {
  CreateOrganizationBody,
  DomainBody,
  LinkChildBody,
  TransferOwnershipBody,
  UpdateOrganizationBody,
  UserIdBody,
} from './dto/org.dto';
import {
  ChildItem,
  DomainItem,
  OrganizationView,
  SeatsView,
  answers,
  answersPage,
  doneOrLagging,
} from './dto/views.dto';
import { problems } from './problems';
import { requesterOf } from './requester';
import { ReadsReadModels } from '../read-models/read-models-filled.guard';
import { requireSomeChange } from './dto/some-change';

const ID_NAMESPACE = '0a7e3f2c-6b1d-4e8f-9a2b-3c4d5e6f7a8b';

/**
 * A new resource id: random, or derived from the command id when an Idempotency-Key makes the request repeatable. The
 * same key may be used in two organizations, so ids that live inside one (invitations, teams) are derived with it:
 * an invitation's link names only its id.
 */
export function newId(commandId: string | undefined, withinOrgId?: string): string {
  if (!commandId) return randomUUID();
  return uuidv5(withinOrgId ? `${withinOrgId}:${commandId}` : commandId, ID_NAMESPACE);
}

@ApiTags('organizations')
@ApiBearerAuth()
@ReadsReadModels()
@Controller('v1/orgs')
export class OrgsController {
  constructor(
    private readonly access: OrgAccess,
    private readonly commands: OrganizationCommands,
    private readonly queries: OrgQueries,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create an organization; I become its Owner and contact person (R1)' })
  @answers(201, OrganizationView)
  @problems(400, 401, 409)
  async create(
    @CurrentCaller() caller: Caller,
    @Body() body: CreateOrganizationBody,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    const requester = requesterOf(req, caller);
    const orgId = newId(requester.commandId);
    return this.commands.create(
      orgId,
      { type: 'CreateOrganization', name: body.name },
      requester,
      res,
      { location: `/v1/orgs/${orgId}`, id: { orgId } },
      () => this.read(caller, orgId),
    );
  }

  @Get(':orgId')
  @ApiOperation({ summary: 'An organization I belong to (or act in through its parent, R19)' })
  @answers(200, OrganizationView, { lagging: false })
  @problems(401, 403, 404)
  read(@CurrentCaller() caller: Caller, @Param('orgId') orgId: string) {
    return this.access.standing(caller, orgId).then((standing) => organizationView(standing.org, standing));
  }

  @Patch(':orgId')
  @ApiOperation({
    summary: 'Change name, auto-join (R16), the availability policy (R14), the 2FA requirement (R22)',
  })
  @answers(200, OrganizationView)
  @problems(400, 401, 403, 404)
  async update(
    @CurrentCaller() caller: Caller,
    @Param('orgId') orgId: string,
    @Body() body: UpdateOrganizationBody,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    requireSomeChange(body, ['name', 'autoJoin', 'membersMayEditOwnAvailability', 'requireTwoFactor']);
    return this.commands.answer(
      orgId,
      { type: 'UpdateSettings', ...body },
      requesterOf(req, caller),
      res,
      () => this.read(caller, orgId),
    );
  }

  @Delete(':orgId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete the organization (R10, the Owner only)' })
  @doneOrLagging()
  @problems(401, 403, 404)
  async remove(
    @CurrentCaller() caller: Caller,
    @Param('orgId') orgId: string,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.commands.run(orgId, { type: 'DeleteOrganization' }, requesterOf(req, caller), res);
  }

  @Post(':orgId/ownership-transfer')
  @HttpCode(200)
  @ApiOperation({ summary: 'Hand the Owner role to another member; I become Admin (R2)' })
  @answers(200, OrganizationView)
  // 410: the new Owner's account was deleted (user-deleted).
  @problems(400, 401, 403, 404, 410, 422)
  async transfer(
    @CurrentCaller() caller: Caller,
    @Param('orgId') orgId: string,
    @Body() body: TransferOwnershipBody,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.commands.answer(
      orgId,
      { type: 'TransferOwnership', newOwnerId: body.newOwnerId },
      requesterOf(req, caller),
      res,
      () => this.read(caller, orgId),
    );
  }

  @Put(':orgId/contact-person')
  @ApiOperation({ summary: 'Make a member the contact person (a label, no rights)' })
  @answers(200, OrganizationView)
  @problems(400, 401, 403, 404)
  async setContact(
    @CurrentCaller() caller: Caller,
    @Param('orgId') orgId: string,
    @Body() body: UserIdBody,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.commands.answer(
      orgId,
      { type: 'SetContactPerson', userId: body.userId },
      requesterOf(req, caller),
      res,
      () => this.read(caller, orgId),
    );
  }

  @Delete(':orgId/contact-person')
  @ApiOperation({ summary: 'The Owner becomes the contact person again' })
  @answers(200, OrganizationView)
  @problems(401, 403, 404)
  async resetContact(
    @CurrentCaller() caller: Caller,
    @Param('orgId') orgId: string,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    // Outsiders are answered here as on every route; the Owner is named by membership, not by the caller.
    await this.access.standing(caller, orgId);
    return this.commands.answer(orgId, { type: 'SetContactPerson' }, requesterOf(req, caller), res, () =>
      this.read(caller, orgId),
    );
  }

  @Post(':orgId/domains')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Claim an e-mail domain, one organization per domain (R16)',
    description:
      'The caller needs a verified e-mail address at the domain, as a member: acting through a parent organization ' +
      'claims none (403 `domain-not-proven`); a public mail ' +
      "provider's domain is refused (422 `public-mail-domain`).",
  })
  @answersPage(DomainItem, 201)
  @problems(400, 401, 403, 404, 409, 422)
  async claimDomain(
    @CurrentCaller() caller: Caller,
    @Param('orgId') orgId: string,
    @Body() body: DomainBody,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.commands.answer(
      orgId,
      { type: 'ClaimDomain', domain: body.domain },
      requesterOf(req, caller),
      res,
      () => this.domains(caller, orgId),
    );
  }

  @Get(':orgId/domains')
  @ApiOperation({ summary: 'The claimed e-mail domains (R16; org.update)' })
  @answersPage(DomainItem)
  @problems(401, 403, 404)
  async domains(@CurrentCaller() caller: Caller, @Param('orgId') orgId: string) {
    const { org } = await this.access.requiring(caller, orgId, 'org.update');
    return { items: org.domains.map((domain) => ({ domain })) };
  }

  @Delete(':orgId/domains/:domain')
  @HttpCode(204)
  @ApiOperation({ summary: 'Release a claimed domain (R16)' })
  @doneOrLagging()
  @problems(400, 401, 403, 404)
  async releaseDomain(
    @CurrentCaller() caller: Caller,
    @Param('orgId') orgId: string,
    @Param('domain') domain: string,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.commands.run(orgId, { type: 'ReleaseDomain', domain }, requesterOf(req, caller), res);
  }

  @Post(':orgId/children')
  @HttpCode(201)
  @ApiOperation({ summary: 'Link a child organization whose Owner I am (R19)' })
  @answersPage(ChildItem, 201)
  @problems(400, 401, 403, 404, 409, 422)
  async linkChild(
    @CurrentCaller() caller: Caller,
    @Param('orgId') orgId: string,
    @Body() body: LinkChildBody,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.commands.answer(
      orgId,
      { type: 'LinkChildOrganization', childOrgId: body.childOrgId },
      requesterOf(req, caller),
      res,
      () => this.children(caller, orgId),
    );
  }

  @Get(':orgId/children')
  @ApiOperation({ summary: 'The child organizations (R19; members.read)' })
  @answersPage(ChildItem)
  @problems(401, 403, 404)
  async children(@CurrentCaller() caller: Caller, @Param('orgId') orgId: string) {
    const { org, actingVia } = await this.access.requiring(caller, orgId, 'members.read');
    // R19: acting through the parent reaches this organization, not its children (other tenants to them).
    if (actingVia)
      throw new DomainError(
        'insufficient-role',
        'forbidden',
        'acting through the parent, this organization’s own children are not yours to list (R19)',
      );
    return { items: (await this.queries.childrenOf(org)).map((childOrgId) => ({ orgId: childOrgId })) };
  }

  @Delete(':orgId/children/:childOrgId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Unlink a child organization (R19)' })
  @doneOrLagging()
  @problems(401, 403, 404)
  async unlinkChild(
    @CurrentCaller() caller: Caller,
    @Param('orgId') orgId: string,
    @Param('childOrgId') childOrgId: string,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.commands.run(
      orgId,
      { type: 'UnlinkChildOrganization', childOrgId },
      requesterOf(req, caller),
      res,
    );
  }

  @Get(':orgId/seats')
  @ApiOperation({ summary: 'Billable seats: the schedulable members (R15; org.billing)' })
  @answers(200, SeatsView, { lagging: false })
  @problems(401, 403, 404)
  async seats(@CurrentCaller() caller: Caller, @Param('orgId') orgId: string) {
    const { org } = await this.access.requiring(caller, orgId, 'org.billing');
    return { seats: org.seats };
  }

  @Post(':orgId/leave')
  @HttpCode(204)
  @ApiOperation({ summary: 'Leave the organization (R9; the Owner transfers ownership first)' })
  @doneOrLagging()
  @problems(401, 404, 422)
  async leave(
    @CurrentCaller() caller: Caller,
    @Param('orgId') orgId: string,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) res: FastifyReply,
  ) {
    return this.commands.run(orgId, { type: 'LeaveOrganization' }, requesterOf(req, caller), res);
  }
}
