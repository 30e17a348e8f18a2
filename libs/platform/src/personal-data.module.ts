import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { STORED_DATA_PROTECTION } from '@app/event-store';
import {
  PersonalDataProtection,
  acquirePersonalData,
  releasePersonalData,
  type PersonalData,
  type PersonalDataSettings,
  type SealingRules,
} from '@app/personal-data';
import { configuredSecretsRequired, type InfrastructureConfig } from './service-config';

export const PERSONAL_DATA = Symbol('PERSONAL_DATA');

/** Where the keys are: MongoDB when MONGO_URL is set, else under DATA_DIR; the master key PERSONAL_DATA_MASTER_KEY. */
export function personalDataSettings(
  infra: Pick<InfrastructureConfig, 'dataDir' | 'mongoUrl'>,
  env: NodeJS.ProcessEnv = process.env,
): PersonalDataSettings {
  // Replicas on several hosts share the keys (MongoDB) and so must share the master key that wraps them.
  if (configuredSecretsRequired(env) && !env.PERSONAL_DATA_MASTER_KEY)
    throw new Error('PERSONAL_DATA_MASTER_KEY must be set (REQUIRE_CONFIGURED_SECRETS=true)');
  return {
    dataDir: infra.dataDir,
    ...(infra.mongoUrl ? { mongoUrl: infra.mongoUrl } : {}),
    ...(env.PERSONAL_DATA_MASTER_KEY ? { masterKey: env.PERSONAL_DATA_MASTER_KEY } : {}),
  };
}

class PersonalDataLifecycle implements OnApplicationShutdown {
  constructor(@Inject(PERSONAL_DATA) private readonly data: PersonalData) {}
  async onApplicationShutdown(): Promise<void> {
    await releasePersonalData(this.data);
  }
}

/**
 * The per-person keys (PERSONAL_DATA) and the event store's protection built on them (STORED_DATA_PROTECTION): every
 * service opens sealed fields when it reads; a service that writes personal data also passes its sealing rules.
 */
@Module({})
export class PersonalDataModule {
  static register(
    infra: InfrastructureConfig,
    sealing: (personalData: PersonalData) => SealingRules = () => ({}),
  ): DynamicModule {
    return {
      module: PersonalDataModule,
      global: true,
      providers: [
        { provide: PERSONAL_DATA, useFactory: () => acquirePersonalData(personalDataSettings(infra)) },
        {
          provide: STORED_DATA_PROTECTION,
          inject: [PERSONAL_DATA],
          useFactory: (data: PersonalData) => new PersonalDataProtection(data.vault, sealing(data)),
        },
        PersonalDataLifecycle,
      ],
      exports: [PERSONAL_DATA, STORED_DATA_PROTECTION],
    };
  }
}
