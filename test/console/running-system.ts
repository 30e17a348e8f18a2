import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, waitFor } from '@app/testing';
import { decodeQuotedPrintable } from '../platform.testing';

export const GATEWAY = 'http://127.0.0.1:3000';

/** `npm start`, as the README runs it: the whole system on the embedded default, data under a fresh DATA_DIR. */
export async function startWithNpm(): Promise<{ dataDir: string; stop: () => Promise<void> }> {
  const dataDir = await makeTempDir('console-system');
  const child = spawn('npm', ['start'], {
    cwd: join(__dirname, '../..'),
    env: { ...process.env, DATA_DIR: dataDir, EVENTSTORE_FSYNC: 'false', PUBLIC_URL: GATEWAY },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}:\n${output}`);
      return output.includes('gateway listening') ? true : undefined;
    },
    { timeoutMs: 90_000, what: 'npm start to listen' },
  );
  return {
    dataDir,
    stop: async () => {
      stopGroup(child, 'SIGTERM');
      const timer = setTimeout(() => stopGroup(child, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function stopGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

/** The newest link to `path` in an e-mail to `to` that the embedded default wrote under DATA_DIR/outbox/email. */
export async function linkFromOutbox(
  dataDir: string,
  to: string,
  path: string,
  seen: ReadonlySet<string> = new Set(),
) {
  const dir = join(dataDir, 'outbox', 'email');
  return waitFor(
    async () => {
      const files = await readdir(dir).catch(() => [] as string[]);
      for (const file of files) {
        if (seen.has(file)) continue;
        const mail = decodeQuotedPrintable(await readFile(join(dir, file), 'utf8'));
        if (!new RegExp(`^To: .*${to.replace(/[.+]/g, '\\$&')}`, 'mi').test(mail)) continue;
        const link = mail.match(new RegExp(`https?://[^\\s"'<>]*${path}[^\\s"'<>]*`))?.[0];
        if (link) return link.replaceAll('&amp;', '&');
      }
      return undefined;
    },
    { timeoutMs: 15_000, what: `a mail to ${to} with a link to ${path}` },
  );
}
