/**
 * npm run notifications:retry-dead [-- --url http://127.0.0.1:3003] [-- --list]
 *
 * Asks the running notifications service to try its dead deliveries again (each once, now) and prints how each
 * ended; `--list` only lists them. Authenticates with NOTIFICATIONS_ADMIN_TOKEN, or on the embedded default with
 * the token kept under DATA_DIR. Exits 1 when the service refuses or a retried delivery did not go out.
 */
import { parseArgs } from 'node:util';
import { readInfrastructureConfig } from '@app/platform';
import { loadAdminToken } from '../../apps/notifications/src/admin/admin-token';

interface Delivery {
  id: string;
  channel: string;
  to: string;
  status: string;
  attempts: number;
  lastError?: string;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { url: { type: 'string' }, list: { type: 'boolean' } } });
  const base = (values.url ?? process.env.NOTIFICATIONS_URL ?? 'http://127.0.0.1:3003').replace(/\/$/, '');
  const token = loadAdminToken(readInfrastructureConfig().dataDir);
  const res = await fetch(`${base}/admin/deliveries${values.list ? '?status=dead' : '/retry-dead'}`, {
    method: values.list ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  const body = (await res.json()) as { items?: Delivery[]; code?: string; title?: string };
  if (!res.ok) throw new Error(`${res.status} ${body.code ?? ''}: ${body.title ?? ''}`);
  const items = body.items ?? [];
  for (const d of items)
    console.log(
      `${d.status.padEnd(8)} ${d.channel} ${d.to} (${d.attempts} attempt(s))${d.lastError ? `: ${d.lastError}` : ''}`,
    );
  console.log(values.list ? `${items.length} dead deliveries` : `${items.length} dead deliveries retried`);
  if (!values.list && items.some((d) => d.status !== 'sent')) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
