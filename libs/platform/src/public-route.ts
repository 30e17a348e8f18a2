import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = 'public-route';

/**
 * A route anyone may call: health, metrics, registration, login, the links people follow from their mail. A service
 * that authenticates by default (the gateway) lets these through.
 */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
