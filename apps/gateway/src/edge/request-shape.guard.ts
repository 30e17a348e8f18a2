import { type IncomingHttpHeaders } from 'node:http';
import { Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { Reflector } from '@nestjs/core';
import { validationProblem } from '@app/platform';
import { hasUnprintable } from '@app/text';
import { perRoute, type Target } from '../http/per-route';

const READS_BODY = 'gateway:reads-body';

/** A route that reads its body itself (`@Req()`: JSON or CSV), not through `@Body()`. */
export const ReadsBody = () => SetMetadata(READS_BODY, true);

interface RouteShape {
  readonly takesBody: boolean;
  /** The query parameters the route reads by name; undefined when a whole-query DTO validates them. */
  readonly queryNames: ReadonlySet<string> | undefined;
}

/**
 * A request carries only what its route reads: a query parameter the route does not take, or a body on a route that
 * takes none, is a 400 naming it, as an unknown field in a body is. Routes with a query or body DTO are checked by the
 * validation pipe (`forbidNonWhitelisted`); this covers the rest of the API (`/v1`), which would otherwise ignore what
 * they were sent.
 */
@Injectable()
export class RequestShapeGuard implements CanActivate {
  private readonly shapeOf = perRoute((handler, classRef) => shapeOf(this.reflector, handler, classRef));

  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const shape = this.shapeOf(context);
    const { query, body, headers, params, url } = context.switchToHttp().getRequest<{
      query?: object;
      body?: unknown;
      headers: IncomingHttpHeaders;
      params?: Record<string, string>;
      url: string;
    }>();
    const unread = [
      ...(shape.queryNames && query ? Object.keys(query).filter((name) => !shape.queryNames!.has(name)) : []),
      ...(shape.takesBody ? [] : body === undefined && carriesBody(headers) ? ['body'] : fieldsOf(body)),
    ];
    // The validation pipe's whitelist takes names every object has (`constructor`, `toString` ...) as known fields.
    if (shape !== ANY_SHAPE)
      for (const name of [...inheritedNames(query), ...(shape.takesBody ? inheritedNames(body) : [])])
        if (!unread.includes(name)) unread.push(name);
    // No query parameter of the API is a list: one given twice is a mistake, not a choice between its values.
    const repeated =
      shape === ANY_SHAPE || !query
        ? []
        : Object.entries(query)
            .filter(([, value]) => Array.isArray(value))
            .map(([name]) => name);
    // No id holds one, and a path segment is echoed in answers ("... is not a member") and logs.
    const controlled =
      shape === ANY_SHAPE ? [] : Object.keys(params ?? {}).filter((name) => hasUnprintable(params![name]!));
    // The query parser keeps what it cannot decode as it was written (`%C3%28`): a search for something else. Told
    // once, by its main fault: a parameter the route does not read, or one given twice, is named for that.
    const undecodable =
      shape === ANY_SHAPE
        ? []
        : undecodableQueryNames(url).filter(
            (name) =>
              !unread.includes(name) && !repeated.includes(name) && !(name === 'query' && shape.queryNames),
          );
    if (unread.length > 0 || repeated.length > 0 || controlled.length > 0 || undecodable.length > 0)
      throw validationProblem([
        ...unread.map((field) => ({
          field,
          message: field === 'body' ? 'this request takes no body' : `property ${field} should not exist`,
        })),
        ...repeated
          .filter((field) => !unread.includes(field))
          .map((field) => ({ field, message: `${field} must be given once` })),
        ...controlled.map((field) => ({
          field,
          message: `${field} must not hold control or bidirectional characters`,
        })),
        ...undecodable.map((field) => ({
          field,
          message: `${field} is not percent-encoded UTF-8 (a % must be followed by two hex digits of UTF-8 bytes)`,
        })),
      ]);
    return true;
  }
}

/** The query parameters whose name or value is not well-formed percent-encoded UTF-8 (`query` when the name is not). */
function undecodableQueryNames(url: string): string[] {
  // Where the router starts the query: at the first `?` or `#` (a fragment is never sent; a raw client may).
  const start = url.search(/[?#]/);
  if (start < 0) return [];
  const names = new Set<string>();
  for (const pair of url.slice(start + 1).split('&')) {
    const equals = pair.indexOf('=');
    const name = decoded(equals < 0 ? pair : pair.slice(0, equals));
    if (name === undefined) names.add('query');
    else if (equals >= 0 && decoded(pair.slice(equals + 1)) === undefined) names.add(name);
  }
  return [...names];
}

function decoded(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

/** The platform's own routes (health, metrics, schemas) are left as probes and scrapers call them. */
const ANY_SHAPE: RouteShape = { takesBody: true, queryNames: undefined };

function shapeOf(reflector: Reflector, handler: Target, classRef: Target): RouteShape {
  const path = String(Reflect.getMetadata(PATH_METADATA, classRef) ?? '');
  if (!/^\/?v1(\/|$)/.test(path)) return ANY_SHAPE;
  const params = Object.entries(
    (Reflect.getMetadata(ROUTE_ARGS_METADATA, classRef, handler.name) ?? {}) as Record<
      string,
      { data?: unknown }
    >,
  ).map(([key, { data }]) => ({ type: Number(key.split(':')[0]), data }));
  const queries = params.filter((p) => p.type === RouteParamtypes.QUERY);
  return {
    takesBody:
      params.some((p) => p.type === RouteParamtypes.BODY) ||
      reflector.getAllAndOverride<boolean>(READS_BODY, [handler, classRef]) === true,
    queryNames: queries.some((p) => typeof p.data !== 'string')
      ? undefined
      : new Set(queries.map((p) => p.data as string)),
  };
}

/**
 * The paths of the fields, at any depth, named like something every object has (`availability.constructor`); a
 * parsed JSON body is at most as deep as the parser allows, and a query a few levels.
 */
function inheritedNames(value: unknown, path = ''): string[] {
  if (typeof value !== 'object' || value === null) return [];
  const found: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    const field = path ? `${path}.${key}` : key;
    if (!Array.isArray(value) && key in Object.prototype) found.push(field);
    found.push(...inheritedNames(item, field));
  }
  return found;
}

/** A body the HTTP framework left unread: it reads none for a GET (or HEAD), so a sent one would pass unnoticed. */
function carriesBody(headers: IncomingHttpHeaders): boolean {
  // Only a length says so without reading: proxies and meshes forward some GETs chunked with nothing in them.
  return Number(headers['content-length'] ?? 0) > 0;
}

/** What a body sent to a route without one holds: none for no body or `{}`, else its fields (or the body itself). */
function fieldsOf(body: unknown): string[] {
  if (body === undefined) return [];
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) return Object.keys(body);
  return ['body'];
}
