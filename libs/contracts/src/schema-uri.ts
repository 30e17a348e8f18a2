/**
 * Where each event type's JSON Schema can be found. The gateway serves it at `<SCHEMA_BASE_URL>/schemas/<type>.json`;
 * every event names that URI in its CloudEvents `dataschema`, and the schema the gateway serves has it as its `$id`.
 * The schema files themselves (and the published package) carry the path, `/schemas/<type>.json`, which resolves to
 * the same URI against the gateway's address.
 */
const SCHEMA_PATH = /^\/schemas\/([A-Za-z0-9]+\.[A-Za-z0-9]+\.v[0-9]+)\.json$/;

export function schemaPath(type: string): string {
  return `/schemas/${type}.json`;
}

/** The event type a schema describes, read from its `$id`; a bare type (the form released before paths) counts too. */
export function eventTypeOfSchema(schema: { readonly $id?: unknown }): string {
  const id = String(schema.$id);
  return SCHEMA_PATH.exec(id)?.[1] ?? id;
}

/** The absolute URI of a type's schema under a public base URL (PUBLIC_URL, which may carry a path). */
export function dataschemaUri(type: string, publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${schemaPath(type)}`;
}

/**
 * Where the gateway's `/schemas` is reached from outside, the base of every event's `dataschema`: `SCHEMA_BASE_URL`,
 * or else `PUBLIC_URL` (one origin serving the app and the API). One setting for every service, so producers and the
 * gateway agree.
 */
export function schemaBaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (env.SCHEMA_BASE_URL || env.PUBLIC_URL || 'http://127.0.0.1:3000').replace(/\/+$/, '');
}
