import { personalDataSettings } from './personal-data.module';

describe('where the personal-data keys are', () => {
  it('MongoDB when MONGO_URL is set, the data folder otherwise; the master key from PERSONAL_DATA_MASTER_KEY', () => {
    expect(
      personalDataSettings(
        { dataDir: '/data', mongoUrl: 'mongodb://db/' },
        { PERSONAL_DATA_MASTER_KEY: 'k' },
      ),
    ).toEqual({ dataDir: '/data', mongoUrl: 'mongodb://db/', masterKey: 'k' });
    expect(personalDataSettings({ dataDir: '/data' }, {})).toEqual({ dataDir: '/data' });
  });

  it('with REQUIRE_CONFIGURED_SECRETS, a missing master key stops the service (replicas must share it)', () => {
    expect(() => personalDataSettings({ dataDir: '/data' }, { REQUIRE_CONFIGURED_SECRETS: 'true' })).toThrow(
      /PERSONAL_DATA_MASTER_KEY must be set/,
    );
    expect(
      personalDataSettings(
        { dataDir: '/data' },
        { REQUIRE_CONFIGURED_SECRETS: 'true', PERSONAL_DATA_MASTER_KEY: 'k' },
      ).masterKey,
    ).toBe('k');
  });
});
