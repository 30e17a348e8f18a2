import { readFile } from 'node:fs/promises';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { makeTempDir, waitFor } from '@app/testing';
import { CONSOLE_API_TYPES, openApiTypes } from '../../scripts/console/openapi-types';
import { bearer, newestLink, startPlatform, type Platform } from '../platform.testing';

/**
 * What the console stands on: the gateway serves it (with the links in messages leading into it), its typed client
 * is generated from the OpenAPI document as it is, and the answers match what that document says.
 */
describe('the console: served by the gateway, typed from the OpenAPI document that the answers match', () => {
  let platform: Platform;
  let document: {
    components: { schemas: Record<string, unknown> };
    paths: Record<string, Record<string, Operation>>;
  };
  interface Operation {
    responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
  }
  beforeAll(async () => {
    platform = await startPlatform();
    document = (await platform.http.get('/docs/openapi.json').expect(200)).body;
  }, 60_000);
  afterAll(() => platform?.close());

  it('the committed client types are what openapi-typescript makes of the document (npm run console:api)', async () => {
    const generated = await openApiTypes(document, await makeTempDir('openapi'));
    expect(await readFile(CONSOLE_API_TYPES, 'utf8')).toBe(generated);
  });

  it('/console and every path below it is the console page under a strict CSP; its assets are kept a year', async () => {
    for (const path of ['/console', '/console/orgs/x/users', '/console/invitations/abc']) {
      const page = await platform.http.get(path).expect(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(page.text).toContain('<div id="root"></div>');
    }
    const script = (await platform.http.get('/console')).text.match(
      /\/console\/assets\/console-[^"]+\.js/,
    )![0];
    const asset = await platform.http.get(script).expect(200);
    expect(asset.headers['cache-control']).toContain('immutable');
    await platform.http.get('/console/assets/missing.js').expect(404);
    // The assets' directory itself is refused as the client's request, not answered as a server fault.
    const directory = await platform.http.get('/console/assets/');
    expect([directory.status, directory.body.code]).toEqual([403, 'forbidden']);
  });

  it("the links in messages lead to the console's pages, query intact; the token travels in the fragment, never sent here", async () => {
    const mailsBefore = platform.mails.length;
    const linkTo = async (to: string, path: string) =>
      new URL(await waitFor(() => newestLink(platform.mails.slice(mailsBefore), to, path), { what: path }));
    const ada = await platform.signUp('Ada');
    const orgId = await platform.createOrg(ada, 'Links');
    const email = `invitee.${Date.now()}@example.com`;
    await platform.http
      .post(`/v1/orgs/${orgId}/invitations`)
      .set(bearer(ada))
      .send({ email, role: 'user' })
      .expect(201);
    await platform.http.post('/v1/auth/password/forgot').send({ email: ada.email }).expect(202);
    for (const [to, path] of [
      [ada.email, '/verify-email'],
      [email, '/invitations'],
      [ada.email, '/reset-password'],
    ] as const) {
      const link = await linkTo(to, path);
      expect([link.pathname, link.search, link.hash.startsWith('#token=')]).toEqual([path, '', true]);
    }
    const opened = await platform.http.get('/invitations').expect(302);
    expect(opened.headers.location).toBe('/console/invitations');
    // Links sent before carried the token in the query or the path: they still lead to the page.
    const verify = await platform.http.get('/verify-email?token=a.b-c').expect(302);
    expect(verify.headers.location).toBe('/console/verify-email?token=a.b-c');
    const reset = await platform.http.get('/reset-password?token=xyz').expect(302);
    expect(reset.headers.location).toBe('/console/reset-password?token=xyz');
    const invitation = await platform.http.get('/invitations/t0k%2Fen').expect(302);
    expect(invitation.headers.location).toBe('/console/invitations/t0k%2Fen');
  });

  it('the answers of the read routes match the schemas the document gives them', async () => {
    const ada = await platform.signUp('Ada');
    const orgId = await platform.createOrg(ada, 'Schema');
    const bob = await platform.join(ada, orgId, 'Bob');
    const team = await platform.http
      .post(`/v1/orgs/${orgId}/teams`)
      .set(bearer(ada))
      .send({ name: 'Front desk' })
      .expect(201);
    const teamId = team.body.teamId as string;
    await platform.http
      .put(`/v1/orgs/${orgId}/teams/${teamId}/members/${bob.userId}`)
      .set(bearer(ada))
      .send({ role: 'manager' })
      .expect(200);
    await platform.http
      .post(`/v1/orgs/${orgId}/invitations`)
      .set(bearer(ada))
      .send({ email: 'carol@example.com', role: 'user', send: false })
      .expect(201);

    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ components: document.components }, 'openapi');
    const refs = (schema: unknown): unknown =>
      JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/'));
    const reads: [string, string][] = [
      ['/v1/me', '/v1/me'],
      ['/v1/me/organizations', '/v1/me/organizations'],
      ['/v1/me/sessions', '/v1/me/sessions'],
      ['/v1/orgs/{orgId}', `/v1/orgs/${orgId}`],
      ['/v1/orgs/{orgId}/members', `/v1/orgs/${orgId}/members`],
      ['/v1/orgs/{orgId}/members/{userId}', `/v1/orgs/${orgId}/members/${bob.userId}`],
      ['/v1/orgs/{orgId}/teams', `/v1/orgs/${orgId}/teams`],
      ['/v1/orgs/{orgId}/teams/{teamId}', `/v1/orgs/${orgId}/teams/${teamId}`],
      ['/v1/orgs/{orgId}/invitations', `/v1/orgs/${orgId}/invitations`],
      ['/v1/orgs/{orgId}/seats', `/v1/orgs/${orgId}/seats`],
      ['/v1/orgs/{orgId}/domains', `/v1/orgs/${orgId}/domains`],
      ['/v1/orgs/{orgId}/children', `/v1/orgs/${orgId}/children`],
      ['/v1/orgs/{orgId}/audit/events', `/v1/orgs/${orgId}/audit/events`],
      ['/v1/orgs/{orgId}/audit/roster', `/v1/orgs/${orgId}/audit/roster?at=${new Date().toISOString()}`],
      ['/v1/permissions', '/v1/permissions'],
    ];
    const mismatches: string[] = [];
    for (const [documented, path] of reads) {
      const schema = document.paths[documented]!.get!.responses['200']!.content!['application/json']!.schema;
      const answer = await platform.http.get(path).set(bearer(ada)).expect(200);
      const validate = ajv.compile(refs(schema) as object);
      if (!validate(answer.body)) mismatches.push(`${documented}: ${ajv.errorsText(validate.errors)}`);
    }
    expect(mismatches).toEqual([]);
  });
});
