/**
 * An async iterable fed by pushes: chunks arriving from a socket or a recorder become the
 * `AsyncIterable` the streamed decoders and the timeline read. Counts what it holds so a
 * caller can bound it. Platform-neutral.
 */
export class ChunkQueue<T extends { length: number }> implements AsyncIterable<T> {
  private items: T[] = [];
  private waiting: ((r: IteratorResult<T>) => void) | null = null;
  private ended = false;
  /** Sum of the queued items' lengths. */
  queuedLength = 0;

  push(item: T): void {
    if (this.ended) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w({ value: item, done: false });
    } else {
      this.items.push(item);
      this.queuedLength += item.length;
    }
  }

  /** No more items: the iteration ends once the queued ones are read. */
  end(): void {
    this.ended = true;
    if (this.waiting && this.items.length === 0) {
      const w = this.waiting;
      this.waiting = null;
      w({ value: undefined, done: true });
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      const item = this.items.shift();
      if (item !== undefined) {
        this.queuedLength -= item.length;
        yield item;
        continue;
      }
      if (this.ended) return;
      const r = await new Promise<IteratorResult<T>>((resolve) => (this.waiting = resolve));
      if (r.done) return;
      yield r.value;
    }
  }
}
