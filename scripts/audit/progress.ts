/**
 * Progress of a long read on a terminal (events, events/s, position), rewritten in place on stderr at most four
 * times a second; silent when stderr is not a terminal (piped, in CI), so output files stay clean.
 */
export class Progress {
  private readonly started = performance.now();
  private lastDrawn = 0;
  private events = 0;
  private readonly live: boolean;

  constructor(
    private readonly what: string,
    stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.live = stream.isTTY === true;
    this.stream = stream;
  }

  private readonly stream: NodeJS.WriteStream;

  tick(position: string): void {
    this.events++;
    if (!this.live) return;
    const now = performance.now();
    if (now - this.lastDrawn < 250) return;
    this.lastDrawn = now;
    const rate = Math.round(this.events / ((now - this.started) / 1000));
    this.stream.write(`\r${this.what}: ${this.events} events, ${rate} events/s, at ${position}   `);
  }

  done(): void {
    if (this.live && this.lastDrawn > 0) this.stream.write('\r\x1b[K');
  }
}
