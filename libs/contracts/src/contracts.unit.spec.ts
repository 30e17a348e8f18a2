import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { MalformedEnvelopeError, decodeEnvelope, encodeEnvelope, type EventEnvelope } from './event-envelope';
import { SchemaRegistry, consumerSchemaRegistry, schemaRegistry } from './schema-registry';
import { TOPICS, topicSpecs } from './topics';
import { dataschemaUri, eventTypeOfSchema, schemaBaseUrl, schemaPath } from './schema-uri';
import { eventSchemas } from './schemas';

const envelope: EventEnvelope = {
  id: '0f8fad5b-d9cb-469f-a165-70867728950e',
  type: 'identity.UserRegistered.v1',
  source: '/identity-platform/identity',
  subject: 'user-1',
  time: '2026-11-22T10:00:00.000Z',
  specversion: '1.0',
  datacontenttype: 'application/json',
  correlationid: 'corr-1',
  causationid: 'cmd-1',
  actor: 'user-1',
  revision: '0',
  data: {
    userId: 'user-1',
    email: 'ada@example.com',
    name: 'Ada',
    actorId: 'user-1',
    at: '2026-11-22T10:00:00.000Z',
  },
};

describe('CloudEvents envelope in Kafka binary mode', () => {
  it('round-trips every attribute through ce_* headers and a JSON body', () => {
    const dataschema = 'https://id.example.com/schemas/identity.UserRegistered.v1.json';
    const record = encodeEnvelope({ ...envelope, tenant: 'org-1', dataschema });
    expect(record.key).toBe('user-1');
    expect(record.headers).toMatchObject({
      ce_id: envelope.id,
      ce_type: envelope.type,
      ce_specversion: '1.0',
      ce_tenant: 'org-1',
      ce_dataschema: dataschema,
    });
    expect(JSON.parse(record.value.toString())).toEqual(envelope.data);
    expect(decodeEnvelope(record)).toEqual({ ...envelope, tenant: 'org-1', dataschema });
    expect(decodeEnvelope(encodeEnvelope(envelope))).not.toHaveProperty('dataschema');
  });

  it('names what is missing in a malformed envelope', () => {
    const record = encodeEnvelope(envelope);
    const { ce_actor: _a, ce_revision: _r, ...headers } = record.headers;
    expect(() => decodeEnvelope({ ...record, headers })).toThrow(/missing ce_actor, ce_revision/);
    expect(() => decodeEnvelope({ ...record, value: Buffer.from('{nope') })).toThrow(MalformedEnvelopeError);
    expect(() =>
      decodeEnvelope({ ...record, headers: { ...record.headers, ce_specversion: '0.3' } }),
    ).toThrow(/specversion/);
  });
});

describe('schema URIs', () => {
  it('a schema is served at /schemas/<type>.json under PUBLIC_URL, which may carry a path', () => {
    expect(schemaPath('membership.MemberRoleChanged.v1')).toBe(
      '/schemas/membership.MemberRoleChanged.v1.json',
    );
    expect(dataschemaUri('identity.UserDeleted.v1', 'https://id.example.com/platform/')).toBe(
      'https://id.example.com/platform/schemas/identity.UserDeleted.v1.json',
    );
    expect(schemaBaseUrl({})).toBe('http://127.0.0.1:3000');
    expect(schemaBaseUrl({ PUBLIC_URL: 'https://id.example.com/' })).toBe('https://id.example.com');
    expect(
      schemaBaseUrl({ PUBLIC_URL: 'https://app.example.com', SCHEMA_BASE_URL: 'https://api.example.com/' }),
    ).toBe('https://api.example.com');
  });

  it("a schema's type is read from its $id, in the path form and the bare form released before it", () => {
    expect(eventTypeOfSchema({ $id: '/schemas/identity.UserDeleted.v1.json' })).toBe(
      'identity.UserDeleted.v1',
    );
    expect(eventTypeOfSchema({ $id: 'identity.UserDeleted.v1' })).toBe('identity.UserDeleted.v1');
    expect(eventTypeOfSchema({ $id: '/schemas/../x.json' })).toBe('/schemas/../x.json');
    for (const schema of eventSchemas) expect(schema.$id).toBe(schemaPath(eventTypeOfSchema(schema)));
  });
});

describe('schema registry', () => {
  const registry = schemaRegistry();

  it('accepts valid event data', () => {
    expect(registry.validate(envelope.type, envelope.data)).toEqual({ ok: true });
  });

  it('rejects invalid data with the failing paths', () => {
    const result = registry.validate(envelope.type, {
      ...(envelope.data as object),
      email: 'not-an-email',
      extra: 1,
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toBe('invalid');
      expect(result.errors.join('\n')).toMatch(/\/email must match format "email"/);
      expect(result.errors.join('\n')).toMatch(/additional properties/);
    }
  });

  it('a consumer drops fields it does not know (a producer upgraded first), still refusing what breaks the schema', () => {
    const consumer = consumerSchemaRegistry();
    const newer = { ...(envelope.data as object), favouriteColour: 'teal' };
    expect(registry.validate(envelope.type, { ...newer })).toMatchObject({ ok: false, reason: 'invalid' });
    expect(consumer.validate(envelope.type, newer)).toEqual({ ok: true });
    expect(newer).not.toHaveProperty('favouriteColour');
    expect(consumer.validate(envelope.type, { ...newer, email: 'not-an-email' })).toMatchObject({
      ok: false,
    });
    expect(consumer.validate(envelope.type, { name: 'Ada' })).toMatchObject({ ok: false, reason: 'invalid' });
  });

  it('reports unknown event types', () => {
    expect(registry.validate('identity.Nope.v1', {})).toMatchObject({ ok: false, reason: 'unknown-type' });
  });

  it('refuses a schema that is not strict JSON Schema', () => {
    expect(() => new SchemaRegistry([{ $id: 'x', type: 'object', propertiez: {} } as never])).toThrow();
  });
});

describe('AsyncAPI document', () => {
  const root = join(__dirname, '..');
  const doc = parse(readFileSync(join(root, 'asyncapi.yaml'), 'utf8')) as {
    asyncapi: string;
    channels: Record<
      string,
      {
        address: string;
        messages?: Record<string, { $ref: string }>;
        bindings?: { kafka?: { partitions?: number; topicConfiguration?: Record<string, unknown> } };
      }
    >;
    components: { messages: Record<string, { name: string; payload: { $ref: string } }> };
  };

  it('is AsyncAPI 3 and every channel message resolves to a component message', () => {
    expect(doc.asyncapi).toMatch(/^3\./);
    for (const channel of Object.values(doc.channels)) {
      for (const ref of Object.values(channel.messages ?? {})) {
        const name = ref.$ref.replace('#/components/messages/', '');
        expect(doc.components.messages[name]).toBeDefined();
      }
    }
  });

  it('commands, which carry passwords and link secrets, are kept an hour (mail requests a day), and dead-lettered ones a day', () => {
    const specs = topicSpecs(
      [TOPICS.identityCommands, TOPICS.membershipCommands, TOPICS.notificationCommands, TOPICS.identityUsers],
      { partitions: 3, replicationFactor: 1 },
    );
    expect(specs.map((s) => [s.topic, s.config?.['retention.ms'], s.dlqConfig?.['retention.ms']])).toEqual([
      [TOPICS.identityCommands, '3600000', '86400000'],
      [TOPICS.membershipCommands, '3600000', '86400000'],
      [TOPICS.notificationCommands, '86400000', '86400000'],
      [TOPICS.identityUsers, undefined, undefined],
    ]);
    // Kafka deletes whole segments: a segment rolls within the retention, or a quiet topic keeps a week's commands.
    for (const spec of specs.slice(0, 3))
      for (const config of [spec.config!, spec.dlqConfig!])
        expect(config['segment.ms']).toBe(config['retention.ms']);
  });

  it('binds every topic to Kafka (partitions, cleanup as the topics are created), every dead-letter topic to its topic', () => {
    const addresses = Object.values(doc.channels).map((c) => c.address);
    for (const channel of Object.values(doc.channels)) {
      expect(channel.bindings?.kafka?.partitions).toBe(3);
      if (channel.address.endsWith('.dlq')) {
        expect(addresses).toContain(channel.address.replace(/\.dlq$/, ''));
        continue;
      }
      const [created] = topicSpecs([channel.address], { partitions: 3, replicationFactor: 1 });
      const policy = created!.config?.['cleanup.policy'] ?? 'delete';
      const documented = channel.bindings?.kafka?.topicConfiguration;
      expect({ topic: channel.address, policy: documented?.['cleanup.policy'] }).toEqual({
        topic: channel.address,
        policy: [policy],
      });
      if (policy === 'delete')
        expect(documented?.['retention.ms']).toBe(Number(created!.config?.['retention.ms'] ?? 604_800_000));
    }
    for (const topic of [TOPICS.identityUserState, TOPICS.membershipOrganizationState])
      expect(addresses).toContain(topic);
    const trait = (doc as unknown as { components: { messageTraits: { cloudEvent: Record<string, never> } } })
      .components.messageTraits.cloudEvent as unknown as {
      headers: { properties: Record<string, { type: string; pattern?: string }> };
      bindings: { kafka: { key: { type: string } } };
    };
    // A header is text: the revision travels as decimal digits, compared as a number.
    expect(trait.headers.properties.ce_revision).toMatchObject({ type: 'string', pattern: '^[0-9]+$' });
    expect(trait.bindings.kafka.key.type).toBe('string');
  });

  it('describes exactly the event types of the schema registry, each with its schema file as payload', () => {
    const messages = Object.values(doc.components.messages);
    expect(messages.map((m) => m.name).sort()).toEqual(schemaRegistry().types);
    for (const message of messages) {
      const schema = JSON.parse(readFileSync(join(root, message.payload.$ref), 'utf8')) as { $id: string };
      expect(schema.$id).toBe(`/schemas/${message.name}.json`);
    }
  });
});
