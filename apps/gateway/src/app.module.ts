import { clientAddress } from './edge/client-address';
import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule } from '@nestjs/throttler';
import { PermissionsController } from './http/permissions.controller';
import { TOPICS } from '@app/contracts';
import { type RequestSigningKeys } from '@app/messaging';
import { loadInvitationTokens } from '@app/invitation-tokens';
import { loadPermissionsCatalog } from '@app/permissions';
import {
  HealthController,
  loadRequestSigningKeys,
  ServiceInfrastructureModule,
  type ResolvedInfrastructure,
} from '@app/platform';
import { READ_STORE, type ReadStore } from '@app/read-store';
import { OrgAccess } from './access/org-access';
import { AccessTokenStrategy } from './auth/access-token.strategy';
import { SessionChecks } from './auth/session-checks';
import { AccessTokenGuard } from './auth/auth.guard';
import { type Caller } from './auth/caller';
import { OrganizationCommands } from './commands/organization-commands';
import { ReadYourWrites } from './commands/read-your-writes';
import { AddressRateLimitGuard, UserRateLimitGuard } from './edge/rate-limit.guard';
import { RequestShapeGuard } from './edge/request-shape.guard';
import { SlidingWindowStorage } from './edge/sliding-window-storage';
import { WriteServices } from './commands/write-services';
import { readGatewayConfig, type GatewayConfig } from './config/gateway.config';
import {
  GATEWAY_CONFIG,
  INVITATION_TOKENS,
  PERMISSIONS_CATALOG,
  READ_MODELS,
  REQUEST_SIGNING_KEYS,
} from './gateway.tokens';
import { AuditController } from './http/audit.controller';
import { AuthController } from './http/auth.controller';
import { InvitationsController } from './http/invitations.controller';
import { MeController } from './http/me.controller';
import { MembersController } from './http/members.controller';
import { OrgsController } from './http/orgs.controller';
import { PublicInvitationsController } from './http/public-invitations.controller';
import { OperatorController } from './http/operator.controller';
import { DomainReleases } from './commands/domain-releases';
import { PermissionsHistory } from './queries/permissions-history';
import { InviteeErasure } from './erasure/invitee-erasure';
import { SchemasController } from './http/schemas.controller';
import { TeamsController } from './http/teams.controller';
import { OrgQueries } from './queries/org-queries';
import { ListCursors } from './http/page';
import { AnonymousRequesters } from './http/requester';
import { ProjectionFeed } from './read-models/projection-feed';
import { StatePublisher } from './state-topics/state-publisher';
import { readModelsOf } from './read-models/read-models';
import { RebuildJobs } from './read-models/rebuild-jobs';

/**
 * The public HTTP API. Commands go to identity and membership over signed request/reply; queries are answered from
 * the read models this service projects from the public topics. Every route needs an access token unless marked
 * public, and is authorized on the caller's standing in the organization it names.
 */
@Module({})
export class GatewayModule {
  static register(infra: ResolvedInfrastructure, config: GatewayConfig = readGatewayConfig()): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        ServiceInfrastructureModule.register(infra, {
          service: 'gateway',
          topics: [
            TOPICS.identityUsers,
            TOPICS.membershipOrganizations,
            TOPICS.identityUserState,
            TOPICS.membershipOrganizationState,
            TOPICS.identityCommands,
            TOPICS.membershipCommands,
          ],
          readStore: true,
        }),
        PassportModule,
        // Per client address, per signed-in user (counted after authentication), and stricter per address on the
        // auth routes, where passwords and addresses are guessed.
        ThrottlerModule.forRoot({
          storage: new SlidingWindowStorage(),
          // One count per caller across every route (the default key is per route, and hashed).
          generateKey: (_context, tracker, throttler) => `${throttler}:${tracker}`,
          throttlers: [
            {
              name: 'ip',
              ttl: 60_000,
              limit: config.rateLimitPerIp,
              getTracker: (req) => clientAddress(req),
              // The probes: the kubelet may probe from an address clients share (a node's), and a 429 would restart
              // the pod (liveness) or take it out of the Service (readiness, whose concurrent checks share one run).
              skipIf: (context) =>
                context.getHandler() === HealthController.prototype.live ||
                context.getHandler() === HealthController.prototype.ready,
            },
            {
              name: 'user',
              ttl: 60_000,
              limit: config.rateLimitPerUser,
              getTracker: (req) => (req.user as Caller | undefined)?.userId ?? clientAddress(req),
              skipIf: (context) => !context.switchToHttp().getRequest<{ user?: Caller }>().user,
            },
            {
              name: 'auth',
              ttl: 60_000,
              limit: config.authRateLimitPerIp,
              getTracker: (req) => clientAddress(req),
              // Sign-in and registration, and registering through an invitation link (which hashes a password and
              // tells whether an address is taken).
              skipIf: (context) =>
                context.getClass() !== AuthController &&
                context.getHandler() !== PublicInvitationsController.prototype.accept &&
                context.getHandler() !== PublicInvitationsController.prototype.acceptByBody,
            },
          ],
        }),
      ],
      controllers: [
        AuthController,
        MeController,
        OrgsController,
        MembersController,
        InvitationsController,
        PublicInvitationsController,
        TeamsController,
        AuditController,
        PermissionsController,
        OperatorController,
        SchemasController,
      ],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        {
          provide: REQUEST_SIGNING_KEYS,
          useFactory: () => loadRequestSigningKeys({ dataDir: infra.dataDir, sender: 'gateway' }),
        },
        {
          provide: AnonymousRequesters,
          inject: [REQUEST_SIGNING_KEYS],
          useFactory: (keys: RequestSigningKeys) => new AnonymousRequesters(keys),
        },
        { provide: PERMISSIONS_CATALOG, useFactory: () => loadPermissionsCatalog() },
        {
          provide: INVITATION_TOKENS,
          useFactory: () => loadInvitationTokens({ dataDir: infra.dataDir }),
        },
        { provide: READ_MODELS, inject: [READ_STORE], useFactory: (store: ReadStore) => readModelsOf(store) },
        WriteServices,
        ReadYourWrites,
        OrganizationCommands,
        DomainReleases,
        PermissionsHistory,
        OrgAccess,
        OrgQueries,
        ListCursors,
        ProjectionFeed,
        StatePublisher,
        RebuildJobs,
        InviteeErasure,
        SessionChecks,
        AccessTokenStrategy,
        // In this order: the limits per address count every request, also those with a token that does not verify.
        { provide: APP_GUARD, useClass: AddressRateLimitGuard },
        { provide: APP_GUARD, useClass: AccessTokenGuard },
        { provide: APP_GUARD, useClass: UserRateLimitGuard },
        { provide: APP_GUARD, useClass: RequestShapeGuard },
      ],
    };
  }
}
