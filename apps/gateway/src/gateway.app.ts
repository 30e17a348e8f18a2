import { type INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { createHttpApp, type ResolvedInfrastructure } from '@app/platform';
import { GatewayModule } from './app.module';

export const GATEWAY_DEFAULT_PORT = 3000;

export async function createGatewayApp(
  infra: ResolvedInfrastructure,
  options: { quiet?: boolean } = {},
): Promise<INestApplication> {
  const app = await createHttpApp(GatewayModule.register(infra), { service: 'gateway', ...options });
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Identity & membership platform')
      .setDescription('Public HTTP API. Errors are application/problem+json (RFC 9457) with a stable `code`.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}
