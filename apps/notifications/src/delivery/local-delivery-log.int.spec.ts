import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, waitFor } from '@app/testing';
import { LocalDeliveryLog } from './delivery-log';
import { type OutgoingEmail } from './outgoing-message';

const LINK = 'https://app.example.com/reset-password?token=secret-reset-token';

const message = (n: number): OutgoingEmail => ({
  channel: 'email',
  to: `person-${n}@example.com`,
  subject: 'Reset your password',
  text: `Follow ${LINK} to choose a new password.`,
  idempotencyKey: `event-${n}:reset`,
});

async function send(log: LocalDeliveryLog, n: number): Promise<void> {
  const claim = await log.claim(message(n), Date.now(), 30_000);
  if (claim.kind !== 'claimed') throw new Error(`not claimed: ${claim.kind}`);
  await log.finish(claim.record, { status: 'sent', attempts: 1 }, Date.now());
}

describe('the delivery log in a file (embedded default)', () => {
  it("is readable by its owner only, and keeps no sent message's link in a superseded line past a restart", async () => {
    const file = join(await makeTempDir('delivery-log'), 'notifications', 'deliveries.jsonl');
    const log = new LocalDeliveryLog(file);
    await log.claim(message(1), Date.now(), 30_000); // pending: its message, link included, is on file
    await send(log, 2);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, 'utf8').split(LINK).length - 1).toBe(2); // the pending one, and the claim of the sent one

    const restarted = new LocalDeliveryLog(file);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(readFileSync(file, 'utf8').split(LINK).length - 1).toBe(1); // only the message still to send
    expect((await restarted.find(`event-2:reset|email|person-2@example.com`))?.status).toBe('sent');
    expect((await restarted.find(`event-1:reset|email|person-1@example.com`))?.status).toBe('pending');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("leaves a sent message's link on file a second at most while it runs, and none once closed", async () => {
    const file = join(await makeTempDir('delivery-log'), 'notifications', 'deliveries.jsonl');
    const log = new LocalDeliveryLog(file);
    await log.claim(message(1), Date.now(), 30_000);
    await send(log, 2);
    await waitFor(() => readFileSync(file, 'utf8').split(LINK).length - 1 === 1, {
      what: "the sent message's claim line to be rewritten away",
    });
    expect((await log.find(`event-1:reset|email|person-1@example.com`))?.message.text).toContain(LINK);
    await send(log, 3);
    await log.close();
    expect(readFileSync(file, 'utf8').split(LINK).length - 1).toBe(1);
  });

  it('a rewrite that fails with nobody waiting on it (its folder gone) does not end the process; the log goes on', async () => {
    const folder = join(await makeTempDir('delivery-log'), 'notifications');
    const log = new LocalDeliveryLog(join(folder, 'deliveries.jsonl'));
    await send(log, 1);
    rmSync(folder, { recursive: true });
    // The rewrite a second after the delivery's end fails here: thrown from its timer it would fail this suite.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await log.find(`event-1:reset|email|person-1@example.com`))?.status).toBe('sent');
    expect(existsSync(folder)).toBe(false);
  });

  it('narrows what an earlier release left readable, and removes a rewrite a crash cut short', async () => {
    const folder = join(await makeTempDir('delivery-log'), 'notifications');
    const file = join(folder, 'deliveries.jsonl');
    mkdirSync(folder, { mode: 0o755 });
    chmodSync(folder, 0o755);
    writeFileSync(file, '', { mode: 0o644 });
    chmodSync(file, 0o644);
    const leftover = `${file}.5f0c.tmp`;
    writeFileSync(leftover, JSON.stringify({ text: LINK }));
    new LocalDeliveryLog(file);
    expect([statSync(folder).mode & 0o777, statSync(file).mode & 0o777]).toEqual([0o700, 0o600]);
    expect(existsSync(leftover)).toBe(false);
  });

  it('is rewritten with its current records once superseded lines outnumber them, while it runs', async () => {
    const file = join(await makeTempDir('delivery-log'), 'deliveries.jsonl');
    const log = new LocalDeliveryLog(file, 10);
    // Two lines a delivery (its claim, with the message, and its end): 80 lines for 40 records unless rewritten.
    for (let n = 0; n < 40; n++) await send(log, n);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.length).toBeLessThan(80);
    expect(lines.length).toBeGreaterThanOrEqual(40);
    const reread = new LocalDeliveryLog(file);
    for (let n = 0; n < 40; n++)
      expect((await reread.find(`event-${n}:reset|email|person-${n}@example.com`))?.status).toBe('sent');
  });
});
