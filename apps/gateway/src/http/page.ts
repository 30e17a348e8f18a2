import { BadRequestException } from '@nestjs/common';
import { decodeCursor, encodeCursor } from '@app/read-store';

/**
 * The page a list of one organization asks for: its limit (default 50) and a cursor, which must be one this
 * organization's lists gave (`nextCursor`). A random, cut or edited one, or another organization's, is a 400 naming
 * `cursor` rather than a page from some other place.
 */
export function pageIn(
  orgId: string,
  query: { limit?: number; cursor?: string },
): { limit: number; cursor?: string } {
  const { cursor } = query;
  if (cursor !== undefined && cursor !== '' && !givenIn(orgId, cursor))
    throw new BadRequestException({
      code: 'validation-failed',
      title: 'cursor is not a cursor this list gave',
      errors: [{ field: 'cursor', message: 'not a cursor this list gave' }],
    });
  return { limit: query.limit ?? 50, ...(cursor ? { cursor } : {}) };
}

function givenIn(orgId: string, cursor: string): boolean {
  const lastId = decodeCursor(cursor)!;
  return (
    encodeCursor(lastId) === cursor && lastId.startsWith(`${orgId}/`) && lastId.length > orgId.length + 1
  );
}
