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

  it('READ_MODEL_GROUP: gateway.read-models by default; a name of its own; spaces or slashes refused by name', () => {
    expect(readGatewayConfig({}).readModelGroup).toBe('gateway.read-models');
    expect(readGatewayConfig({ READ_MODEL_GROUP: ' ' }).readModelGroup).toBe('gateway.read-models');
    expect(readGatewayConfig({ READ_MODEL_GROUP: 'gateway.read-models.blue' }).readModelGroup).toBe(
      'gateway.read-models.blue',
    );
    for (const bad of ['read models', 'a/b', 'x'.repeat(201)])
      expect(() => readGatewayConfig({ READ_MODEL_GROUP: bad })).toThrow(/READ_MODEL_GROUP/);
  });
});
