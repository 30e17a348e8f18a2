import {
  Inject,
  Injectable,
  Optional,
  ServiceUnavailableException,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { TOPICS, type EmailChangePending, type Profile } from '@app/contracts';

import { NotReady, Readiness, reasonFor } from '@app/platform';
export type { EmailChangePending, Profile };
import { DomainError, type DomainErrorJson } from '@app/domain';
import {
  MESSAGE_BUS,
  RequesterOnFirstUse,
  RequestSigner,
  RequestFailedError,
  RequestTimeoutError,
  type MessageBus,
  type RequestReplyClient,
  type RequestSigningKeys,
} from '@app/messaging';
import { OrgAccess } from '../access/org-access';
import { type GatewayConfig } from '../config/gateway.config';
import { GATEWAY_CONFIG, REQUEST_SIGNING_KEYS } from '../gateway.tokens';

type Reply<T> = ({ ok: true } & T) | { ok: false; error: DomainErrorJson };

/** Who asks, as the gateway vouches for them (a verified access token), and the request's ids. */
export interface Requester {
  readonly actorId?: string;
  readonly actorTwoFactor?: boolean;
  readonly correlationId: string;
  /** From an `Idempotency-Key`: the same key and command give the same command id, so it is applied once. */
  readonly commandId?: string;
}

export interface MembershipResult {
  readonly revision: string | null;
  readonly events: number;
  readonly duplicate: boolean;
  /** Other organizations the command changed (R19 links), by id, at the revision it left them. */
  readonly alsoChanged?: Readonly<Record<string, string>>;
}

/**
 * The gateway's way to the write services: requests signed as the gateway (the services believe the actor because of
 * that signature), answered over request/reply. A refusal becomes the service's DomainError (its code and kind make
 * the problem+json); no answer within the timeout is a 503 with Retry-After, never a hang.
 */
@Injectable()
export class WriteServices implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly client: RequesterOnFirstUse;
  private readonly signer: RequestSigner;
  private repliesHeard = false;
  private closed = false;

  constructor(
    @Inject(MESSAGE_BUS) bus: MessageBus,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(REQUEST_SIGNING_KEYS) keys: RequestSigningKeys,
    private readonly access: OrgAccess,
    @Optional() readiness?: Readiness,
  ) {
    this.signer = new RequestSigner(keys, 'gateway');
    this.client = new RequesterOnFirstUse(bus, 'gateway');
    // Not ready for traffic until it hears replies: a command meanwhile would wait out its time and answer 503.
    readiness?.add({
      name: 'command-replies',
      check: async () => {
        if (this.repliesHeard) return;
        this.startReplies();
        throw new NotReady('joining its reply topic on the bus');
      },
    });
  }

  /** Started now, not at the first request (joining a consumer group takes seconds); a failed start is tried again. */
  onApplicationBootstrap(): void {
    this.startReplies();
  }

  /** Resolves once commands can be sent (the reply client started). */
  async started(): Promise<void> {
    await this.client.get();
  }

  private startReplies(): void {
    if (this.closed) return;
    this.client.get().then(
      () => (this.repliesHeard = true),
      () => undefined,
    );
  }

  /**
   * A membership command on one organization; its answer carries the organization's new revision. Someone with no
   * standing in the organization gets the 404 a read would give, before anything is sent: the write side's refusal
   * ("not a member") would tell them the organization exists. Unless it is the retry, under its Idempotency-Key, of
   * a command that ended the standing it is checked against (leaving, removing oneself, deleting the organization),
   * by someone who was a member: the organization is asked whether it recorded that very request, and if so the
   * retry gets the first answer. Nobody else's request reaches the write side.
   */
  async membership(
    orgId: string,
    command: Record<string, unknown> & { type: string },
    requester: Requester,
    options: { bodyNames?: BodyFieldNames } = {},
  ) {
    const request = membershipRequest(orgId, command, requester);
    if (command.type !== 'CreateOrganization')
      try {
        await this.requireStanding(orgId, command.type, requester);
      } catch (noStanding) {
        if (!(await this.mayBeRetryAfterLeaving(orgId, command, requester))) throw noStanding;
        return this.repeated(orgId, request, noStanding);
      }
    return this.send<MembershipResult>(TOPICS.membershipCommands, orgId, request, options);
  }

  private async mayBeRetryAfterLeaving(
    orgId: string,
    command: Record<string, unknown> & { type: string },
    requester: Requester,
  ): Promise<boolean> {
    if (!requester.commandId || !requester.actorId) return false;
    const endsOwnStanding =
      command.type === 'LeaveOrganization' ||
      command.type === 'DeleteOrganization' ||
      (command.type === 'RemoveMember' && command.userId === requester.actorId);
    return endsOwnStanding && this.access.wasMember(requester.actorId, orgId);
  }

  /** The first answer to a command recorded under this id, else the refusal the caller would have had. */
  private async repeated(orgId: string, request: object, refusal: unknown): Promise<MembershipResult> {
    try {
      return await this.send<MembershipResult>(TOPICS.membershipCommands, orgId, {
        ...request,
        repeatOnly: true,
      });
    } catch (error) {
      if (error instanceof DomainError && error.code === 'command-not-recorded') throw refusal;
      throw error;
    }
  }

  /**
   * The bulk import's answer: a result per row. The rows are invited one by one, each appended on its own, so the wait
   * grows with them (`IMPORT_ROW_MS` each).
   */
  async importInvitations(orgId: string, command: { rows: readonly unknown[] }, requester: Requester) {
    await this.requireStanding(orgId, 'ImportInvitations', requester);
    return this.send<{ revision: string | null; results: { row: number }[] }>(
      TOPICS.membershipCommands,
      orgId,
      membershipRequest(orgId, { type: 'ImportInvitations', ...command }, requester),
      { timeoutMs: this.config.commandTimeoutMs + command.rows.length * this.config.importRowMs },
    );
  }

  /**
   * An operator's command on an organization they need not belong to (the operator routes check who may): sent with
   * `actorIsOperator`, which the service believes because the gateway signs it.
   */
  asOperator(orgId: string, command: Record<string, unknown> & { type: string }, requester: Requester) {
    return this.send<MembershipResult>(
      TOPICS.membershipCommands,
      orgId,
      operatorRequest(orgId, command, requester),
    );
  }

  /**
   * The first answer, if the organization recorded this very operator request (the same command id, asking the same):
   * asked with `repeatOnly`, so nothing is decided.
   */
  async recordedForOperator(
    orgId: string,
    command: Record<string, unknown> & { type: string },
    requester: Requester & { commandId: string },
  ): Promise<MembershipResult | undefined> {
    try {
      return await this.send<MembershipResult>(TOPICS.membershipCommands, orgId, {
        ...operatorRequest(orgId, command, requester),
        repeatOnly: true,
      });
    } catch (error) {
      if (error instanceof DomainError && error.code === 'command-not-recorded') return undefined;
      throw error;
    }
  }

  /** An identity command; `actorId` is the signed-in caller when the command acts on one. */
  async identity<T = unknown>(
    command: Record<string, unknown> & { type: string },
    requester: Requester,
    options: { timeoutMs?: number; bodyNames?: BodyFieldNames } = {},
  ): Promise<T> {
    const commandId = requester.commandId ?? randomUUID();
    const reply = await this.send<{ result: T }>(
      TOPICS.identityCommands,
      requester.actorId ?? commandId,
      {
        commandId,
        ...(requester.actorId ? { actorId: requester.actorId } : {}),
        correlationId: requester.correlationId,
        command,
      },
      options,
    );
    return reply.result;
  }

  private async requireStanding(orgId: string, type: string, requester: Requester): Promise<void> {
    if (!requester.actorId) return;
    await this.access.standing(
      { userId: requester.actorId, twoFactor: requester.actorTwoFactor === true },
      orgId,
      {
        twoFactorExempt: type === 'LeaveOrganization',
      },
    );
  }

  /** `bodyNames`: where the route's body calls a command's field otherwise, so that a refusal names the body's. */
  private async send<T>(
    topic: string,
    key: string,
    request: object,
    {
      timeoutMs = this.config.commandTimeoutMs,
      bodyNames = {},
    }: { timeoutMs?: number; bodyNames?: BodyFieldNames } = {},
  ): Promise<T> {
    let reply: Reply<T>;
    try {
      const started = performance.now();
      const client = await this.clientWithin(topic, timeoutMs);
      reply = await client.request<Reply<T>>(topic, key, this.signer.sign(request), {
        timeoutMs: Math.max(1, Math.round(timeoutMs - (performance.now() - started))),
      });
    } catch (error) {
      if (error instanceof RequestTimeoutError) throw unavailable(timeoutMs);
      if (error instanceof RequestFailedError) throw new WriteServiceFailed();
      throw error;
    }
    if (!reply.ok) throw refusalOverHttp(reply.error, bodyNames);
    return reply as unknown as T;
  }

  /**
   * The request/reply client, once started; starting it (the broker's topics, joining its consumer group) counts
   * against the request's time, so a broker out of reach is a 503 in time rather than a hang of its retries.
   */
  private async clientWithin(topic: string, timeoutMs: number): Promise<RequestReplyClient> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RequestTimeoutError(topic, timeoutMs)), timeoutMs);
    });
    try {
      return await Promise.race([this.client.get(), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  onApplicationShutdown(): Promise<void> {
    // A readiness probe after this starts no new client.
    this.closed = true;
    return this.client.close();
  }
}

/** The write service did not answer in time: try again shortly (the command id makes a retry safe). */
export class WriteServiceUnavailable extends ServiceUnavailableException {
  constructor(readonly retryAfterSeconds: number) {
    super({
      code: 'service-unavailable',
      title: 'The service did not answer in time; retry shortly',
      detail:
        'The request may still be done if the service was already at it; one that waited past its deadline is ' +
        'dropped undone. Retry with the same Idempotency-Key to be answered as the first attempt was, without doing it twice.',
    });
  }
}

/** The write service took the request and failed it (its store out of reach, say): try again shortly. */
export class WriteServiceFailed extends ServiceUnavailableException {
  readonly retryAfterSeconds = 1;
  constructor() {
    super({
      code: 'service-unavailable',
      title: 'The service could not do it now; retry shortly',
      detail:
        'What it had done before failing is kept. Retry with the same Idempotency-Key: what was done is answered as done, the rest is done.',
    });
  }
}

function unavailable(timeoutMs: number): WriteServiceUnavailable {
  return new WriteServiceUnavailable(Math.max(1, Math.ceil(timeoutMs / 1000)));
}

/** R22 holds for operators too: an organization that requires a second factor sees whether they used one. */
function operatorRequest(orgId: string, command: Record<string, unknown>, requester: Requester) {
  return { ...membershipRequest(orgId, command, requester), actorIsOperator: true };
}

/** How a route's body calls a command's field, where the two differ: `{ permissions: 'grant' }`. */
export type BodyFieldNames = Readonly<Record<string, string>>;

/**
 * A write service's refusal as the HTTP client sees it. The services name a field by its place in the bus command
 * (`command.email`, `command.permissions.0`); over HTTP it is the body's field (`email`, `grant.0` where the body
 * calls `permissions` `grant`), and a refused field is listed in `errors`, as the validation pipe lists one.
 */
function refusalOverHttp(error: DomainErrorJson, bodyNames: BodyFieldNames): DomainError {
  const named = error.details?.field;
  if (typeof named !== 'string') return new DomainError(error.code, error.kind, error.message, error.details);
  const field = inBody(
    named.startsWith(COMMAND_PREFIX) ? named.slice(COMMAND_PREFIX.length) : named,
    bodyNames,
  );
  const reason = reasonFor(named, error.message);
  return new DomainError(
    error.code,
    error.kind,
    reason !== error.message ? `${field}: ${reason}` : error.message,
    {
      ...error.details,
      field,
      ...(error.kind === 'validation' ? { errors: [{ field, message: reason }] } : {}),
    },
  );
}

const COMMAND_PREFIX = 'command.';

/** The body's name of a command's field or of a place in it: `permissions.0` is `grant.0` for `{ permissions: 'grant' }`. */
function inBody(field: string, bodyNames: BodyFieldNames): string {
  const dot = field.indexOf('.');
  const head = dot === -1 ? field : field.slice(0, dot);
  return Object.hasOwn(bodyNames, head) ? `${bodyNames[head]}${dot === -1 ? '' : field.slice(dot)}` : field;
}

/** A membership command as it travels: who asks, under which id and correlation, with or without a second factor. */
function membershipRequest(orgId: string, command: Record<string, unknown>, requester: Requester) {
  return {
    commandId: requester.commandId ?? randomUUID(),
    orgId,
    actorId: requester.actorId,
    correlationId: requester.correlationId,
    ...(requester.actorTwoFactor ? { actorTwoFactor: true } : {}),
    command,
  };
}
