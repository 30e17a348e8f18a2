import { Controller, Get, Header } from '@nestjs/common';
import { AccessTokenService, type Jwks } from '../tokens/access-token.service';

/** Public keys of the access tokens, so other services verify them without a shared secret. */
@Controller()
export class JwksController {
  constructor(private readonly accessTokens: AccessTokenService) {}

  @Get('.well-known/jwks.json')
  @Header('cache-control', 'public, max-age=300')
  jwks(): Promise<Jwks> {
    return this.accessTokens.jwks();
  }
}
