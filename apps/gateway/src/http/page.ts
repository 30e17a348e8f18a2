import { timingSafeEqual } from 'node:crypto';
import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { type PersonalData, type PseudonymousIds } from '@app/personal-data';
import { PERSONAL_DATA } from '@app/platform';
import { decodeCursor, encodeCursor } from '@app/read-store';

/** The lists that page: a cursor one of them gave is good for that list only. */
export type ListName = 'members' | 'teams' | 'invitations' | 'audit-events' | 'roster';

/** Characters of a cursor's seal: 128 bits of a keyed hash, base64url. */
const SEAL_LENGTH = 22;

/**
 * Cursors as the API hands them out: where the next page starts (the read store's own cursor) behind a seal, a keyed
 * hash of the list and that place, under the platform's key, so that every gateway replica honours every other's. A
 * cursor that is random, cut or edited, from another list, or from another organization is a 400 naming `cursor`,
 * never a page from some other place.
 */
@Injectable()
export class ListCursors {
  private readonly keyed: PseudonymousIds;

  constructor(@Inject(PERSONAL_DATA) personalData: PersonalData) {
    this.keyed = personalData.pseudonyms;
  }

  /**
   * The page a list of one organization asks for: its limit (default 50), and where it starts. A cursor is good only
   * with the filters of the page that gave it (the query less `limit` and `cursor`): its place means nothing in a list
   * filtered otherwise, and is a 400 naming `cursor` there rather than a page that silently drops the filters.
   */
  pageIn(
    list: Exclude<ListName, 'roster'>,
    orgId: string,
    query: ListQuery,
  ): { limit: number; cursor?: string } {
    const place = query.cursor ? this.placeOf(list, orgId, query.cursor, filtersOf(query)) : undefined;
    return { limit: query.limit ?? 50, ...(place === undefined ? {} : { cursor: encodeCursor(place) }) };
  }

  /** The `nextCursor` of a page of `list` asked with `query`, from the read store's. */
  next(
    list: Exclude<ListName, 'roster'>,
    storeCursor: string | undefined,
    query: ListQuery,
  ): { nextCursor?: string } {
    return storeCursor === undefined
      ? {}
      : { nextCursor: this.seal(list, decodeCursor(storeCursor)!, filtersOf(query)) };
  }

  /**
   * Where the next page of a roster starts: after the interval its cursor names. Every page of one roster answers the
   * instant the first page answered (its `at`, which is the asked one, or now for one still to come); a cursor asked
   * with another `at` is a 400 naming `cursor`, since its position means nothing in another instant's roster.
   */
  rosterPageIn(
    orgId: string,
    query: { limit?: number; cursor?: string },
    at: string,
  ): { limit: number; after?: string } {
    const limit = query.limit ?? 50;
    if (!query.cursor) return { limit };
    const place = this.placeOf('roster', orgId, query.cursor);
    const split = place.lastIndexOf('@');
    const cursorAt = place.slice(split + 1);
    if (split < 0 || Date.parse(cursorAt) !== Date.parse(at))
      throw notACursor(
        split < 0
          ? 'not a cursor this list gave'
          : `belongs to the roster at ${cursorAt}: ask with at=${cursorAt}`,
      );
    return { limit, after: place.slice(0, split) };
  }

  /** A roster page's cursor: the last member's interval, and the instant the roster answers. */
  rosterNext(lastIntervalId: string, at: string): { nextCursor: string } {
    return { nextCursor: this.seal('roster', `${lastIntervalId}@${at}`) };
  }

  private seal(list: ListName, place: string, filters = ''): string {
    return `${this.sealOf(list, place, filters)}${encodeCursor(place)}`;
  }

  /** The place a cursor names, if this list gave it in this organization, under these filters. */
  private placeOf(list: ListName, orgId: string, cursor: string, filters?: string): string {
    // A cursor no longer than a seal names no place at all.
    const place = decodeCursor(cursor.slice(SEAL_LENGTH)) ?? '';
    const wellFormed = place !== '' && encodeCursor(place) === cursor.slice(SEAL_LENGTH);
    // Ids sort by organization first: a place in this organization's list starts with its id.
    const inOrganization = place.startsWith(`${orgId}/`) && place.length > orgId.length + 1;
    if (
      wellFormed &&
      inOrganization &&
      sameText(cursor.slice(0, SEAL_LENGTH), this.sealOf(list, place, filters ?? ''))
    )
      return place;
    throw notACursor(
      wellFormed && inOrganization && filters !== undefined
        ? filters
          ? 'not a cursor this list gave with these filters: it was edited, or a page filtered otherwise gave it (ask with its filters)'
          : 'not a cursor this list gave unfiltered: it was edited, or a filtered page gave it (ask with its filters)'
        : 'not a cursor this list gave',
    );
  }

  private sealOf(list: ListName, place: string, filters: string): string {
    // Unfiltered, sealed as before filters were: cursors stay good across a rolling upgrade.
    const sealed = filters ? `${list}\0${filters}\0${place}` : `${list}\0${place}`;
    return this.keyed.digestOf('list-cursor', sealed).slice(0, SEAL_LENGTH);
  }
}

/** A list's query: its page (`limit`, `cursor`) and its filters. */
type ListQuery = Readonly<{ limit?: number; cursor?: string }> & object;

/** The filters of a list's query, the same text however they were ordered: every parameter but the page's. */
function filtersOf(query: ListQuery): string {
  const filters = Object.entries(query)
    .filter(([name, value]) => name !== 'limit' && name !== 'cursor' && value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return filters.length === 0 ? '' : JSON.stringify(filters);
}

/** Compared in constant time: how long a comparison takes says nothing of how much of a seal was right. */
function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function notACursor(message: string): BadRequestException {
  return new BadRequestException({
    code: 'validation-failed',
    title: 'cursor is not a cursor this list gave',
    errors: [{ field: 'cursor', message }],
  });
}
