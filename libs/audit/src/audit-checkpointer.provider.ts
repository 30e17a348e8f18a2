import {
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type Provider,
} from '@nestjs/common';
import { type EventStoreDBClient } from '@eventstore/db-client';
import { EVENT_STORE_CLIENT } from '@app/event-store';
import { positiveInt, readInfrastructureConfig } from '@app/platform';
import { AuditCheckpointer } from './audit-checkpointer';
import { CheckpointContinuityError, HeadAheadOfClockError } from './checkpoints';
import { loadAuditSigningKey } from './signing-key';

/** The service's checkpointer from start-up to shutdown, stopped before the event-store client closes. */
export class AuditCheckpoints implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(readonly checkpointer: AuditCheckpointer) {}

  onApplicationBootstrap(): void {
    this.checkpointer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.checkpointer.stop();
  }
}

/**
 * Signed checkpoints of a service's streams, with the key from AUDIT_SIGNING_KEY_PEM (or generated under DATA_DIR on
 * the embedded default), every AUDIT_CHECKPOINT_EVERY_MS (default 60 s).
 */
export function auditCheckpointsProvider(
  service: string,
  streamPrefixes: readonly string[],
  streams: readonly string[] = [],
): Provider {
  return {
    provide: AuditCheckpoints,
    inject: [EVENT_STORE_CLIENT],
    useFactory: (client: EventStoreDBClient) => {
      const logger = new Logger(`${service}-audit-checkpoints`);
      return new AuditCheckpoints(
        new AuditCheckpointer({
          client,
          service,
          streamPrefixes,
          streams,
          key: loadAuditSigningKey(readInfrastructureConfig().dataDir),
          everyMs: positiveInt(process.env.AUDIT_CHECKPOINT_EVERY_MS, 60_000, 'AUDIT_CHECKPOINT_EVERY_MS'),
          // A stream that does not continue its signed history is evidence of tampering, not a passing fault.
          onError: (error) =>
            error instanceof CheckpointContinuityError && !(error instanceof HeadAheadOfClockError)
              ? logger.error(`audit checkpoints: refused to sign: ${error.message}`)
              : logger.warn(`audit checkpoints: ${String(error)}`),
        }),
      );
    },
  };
}
