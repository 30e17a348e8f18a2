import { readGatewayConfig } from './gateway.config';

describe('the gateway settings', () => {
  it('TRUST_PROXY: none by default; a number of hops; addresses and CIDRs; anything else is refused by name', () => {
    expect(readGatewayConfig({}).trustProxy).toBe(false);
    expect(readGatewayConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(readGatewayConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(readGatewayConfig({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.1,fd00::/8' }).trustProxy).toBe(
      '10.0.0.0/8,192.168.1.1,fd00::/8',
    );
    expect(() => readGatewayConfig({ TRUST_PROXY: 'yes' })).toThrow(/TRUST_PROXY/);
  });

  it('IMPORT_ROW_MS: 50 ms a row by default; a positive whole number, else refused by name', () => {
    expect(readGatewayConfig({}).importRowMs).toBe(50);
    expect(readGatewayConfig({ IMPORT_ROW_MS: '120' }).importRowMs).toBe(120);
    for (const bad of ['0', '-5', 'soon'])
      expect(() => readGatewayConfig({ IMPORT_ROW_MS: bad })).toThrow(/IMPORT_ROW_MS/);
  });

  it('READ_MODEL_GROUP: gateway.read-models by default; a name of its own (the state topics follow it); spaces, slashes or the default gateway’s state group refused by name', () => {
    const groups = (env: NodeJS.ProcessEnv) => {
      const { readModelGroup, stateTopicsGroup } = readGatewayConfig(env);
      return { readModelGroup, stateTopicsGroup };
    };
    const defaults = { readModelGroup: 'gateway.read-models', stateTopicsGroup: 'gateway.state-topics' };
    expect(groups({})).toEqual(defaults);
    expect(groups({ READ_MODEL_GROUP: ' ' })).toEqual(defaults);
    expect(groups({ READ_MODEL_GROUP: 'gateway.read-models' })).toEqual(defaults);
    expect(() => groups({ READ_MODEL_GROUP: 'gateway' })).toThrow(/READ_MODEL_GROUP "gateway" would share/);
    expect(groups({ READ_MODEL_GROUP: 'gateway.blue' })).toEqual({
      readModelGroup: 'gateway.blue',
      stateTopicsGroup: 'gateway.blue.state-topics',
    });
    for (const bad of ['read models', 'a/b', 'x'.repeat(201)])
      expect(() => readGatewayConfig({ READ_MODEL_GROUP: bad })).toThrow(/READ_MODEL_GROUP/);
  });
});
