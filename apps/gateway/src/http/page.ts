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

/** A roster page's cursor: the last member's interval, and the instant the roster answers. */
export function rosterCursor(lastIntervalId: string, at: string): string {
  return encodeCursor(`${lastIntervalId}@${at}`);
}

/**
 * Where the next page of a roster starts: after the interval its cursor names. Every page of one roster answers the
 * instant the first page answered (its `at`, which is the asked one, or now for one still to come); a cursor asked
 * with another `at` is a 400 naming `cursor`, since its position means nothing in another instant's roster.
 */
export function rosterPageIn(
  orgId: string,
  query: { limit?: number; cursor?: string },
  at: string,
): { limit: number; after?: string } {
  const { limit, cursor } = pageIn(orgId, query);
  if (cursor === undefined) return { limit };
  const given = decodeCursor(cursor)!;
  const split = given.lastIndexOf('@');
  const cursorAt = given.slice(split + 1);
  if (split < 0 || Date.parse(cursorAt) !== Date.parse(at))
    throw new BadRequestException({
      code: 'validation-failed',
      title: 'cursor is not one this roster gave',
      errors: [
        {
          field: 'cursor',
          message:
            split < 0 || Number.isNaN(Date.parse(cursorAt))
              ? 'not a cursor this roster gave'
              : `belongs to the roster at ${cursorAt}: ask with at=${cursorAt}`,
        },
      ],
    });
  return { limit, after: given.slice(0, split) };
}
