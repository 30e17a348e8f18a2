import { createHash, timingSafeEqual } from 'node:crypto';
import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { loadSharedSecret } from '@app/platform';

export const ADMIN_TOKEN = Symbol('NOTIFICATIONS_ADMIN_TOKEN');

/** `NOTIFICATIONS_ADMIN_TOKEN`, or on the embedded default one kept under `<DATA_DIR>/secrets`. */
export function loadAdminToken(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  return loadSharedSecret({
    variable: 'NOTIFICATIONS_ADMIN_TOKEN',
    file: 'notifications-admin.token',
    minBytes: 32,
    dataDir,
    env,
  });
}

/** The operator routes need `Authorization: Bearer <admin token>`; compared in constant time. */
@Injectable()
export class AdminTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(ADMIN_TOKEN) token: string) {
    this.expected = digest(token);
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<{ headers: Record<string, unknown> }>()
      .headers.authorization;
    const given = typeof header === 'string' ? header.match(/^Bearer (.+)$/)?.[1] : undefined;
    if (given === undefined || !timingSafeEqual(digest(given), this.expected))
      throw new UnauthorizedException({
        code: 'unauthenticated',
        title: 'the admin token is missing or wrong',
      });
    return true;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
