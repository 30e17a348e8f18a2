/**
 * Group commit for one kind of write: the first write goes out at once, and writes that arrive while a batch is in
 * flight wait and go together in the next one. A lone write costs what it did; under load, one round trip (and one
 * storage transaction) serves many. `write` answers each item of a batch in order; when it throws, every item of that
 * batch is refused with the error.
 */
export class WriteBatcher<Item, Answer> {
  private readonly waiting: {
    item: Item;
    resolve: (answer: Answer) => void;
    reject: (error: unknown) => void;
  }[] = [];
  private flushing = false;

  constructor(
    private readonly write: (items: Item[]) => Promise<Answer[]>,
    private readonly maxBatch = 500,
  ) {}

  submit(item: Item): Promise<Answer> {
    return new Promise<Answer>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      try {
        const answers = await this.write(batch.map((w) => w.item));
        batch.forEach((w, i) => w.resolve(answers[i]!));
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    this.flushing = false;
  }
}
