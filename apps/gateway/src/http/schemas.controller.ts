import { Controller, Get, Header, Inject, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { dataschemaUri, eventSchemas, eventTypeOfSchema } from '@app/contracts';
import { DomainError } from '@app/domain';
import { Public } from '../auth/caller';
import { type GatewayConfig } from '../config/gateway.config';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import { problems } from './problems';

const SCHEMAS = new Map(eventSchemas.map((schema) => [eventTypeOfSchema(schema), schema]));

/**
 * The event schemas, where every event's `dataschema` points (docs/contracts.md). Public, like the events' types:
 * a subscriber fetches the schema of an event it has not seen before. Each is served with its absolute URI as `$id`.
 */
@ApiTags('schemas')
@Public()
@Controller('schemas')
export class SchemasController {
  constructor(@Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig) {}

  @Get()
  @ApiOperation({ summary: 'Every public event type and the URI of its JSON Schema' })
  @ApiOkResponse({
    schema: {
      example: {
        schemas: [
          {
            type: 'membership.MemberRoleChanged.v1',
            uri: 'https://id.example.com/schemas/membership.MemberRoleChanged.v1.json',
          },
        ],
      },
    },
  })
  list() {
    return {
      schemas: [...SCHEMAS.keys()]
        .sort()
        .map((type) => ({ type, uri: dataschemaUri(type, this.config.schemaBaseUrl) })),
    };
  }

  @Get(':file')
  @Header('content-type', 'application/schema+json')
  @Header('cache-control', 'public, max-age=300')
  @ApiOperation({ summary: "An event type's JSON Schema (the URI in its events' `dataschema`)" })
  @ApiParam({ name: 'file', example: 'membership.MemberRoleChanged.v1.json' })
  @ApiOkResponse({ description: 'a JSON Schema (draft-07) whose `$id` is this URI' })
  @problems(404)
  schema(@Param('file') file: string) {
    const type = file.endsWith('.json') ? file.slice(0, -'.json'.length) : undefined;
    const schema = type === undefined ? undefined : SCHEMAS.get(type);
    if (!type || !schema) throw new DomainError('schema-not-found', 'not-found', `no event schema ${file}`);
    return { ...schema, $id: dataschemaUri(type, this.config.schemaBaseUrl) };
  }
}
