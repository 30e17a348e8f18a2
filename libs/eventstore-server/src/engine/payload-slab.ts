/** Bytes the store keeps are copied into buffers of this size, one after another. */
const SLAB_BYTES = 1024 * 1024;
/** A payload larger than this gets a buffer of its own: in a slab it could leave most of one unused. */
const OWN_BUFFER_FROM = SLAB_BYTES / 8;

/**
 * Where the store keeps its events' data and metadata: copied side by side into large buffers. Two Buffer objects
 * per event would be about 200 bytes of heap for each event held, which every major collection of the store marks.
 */
export class PayloadSlab {
  private buffer = Buffer.allocUnsafe(0);
  private used = 0;

  /** Copies both in, data first; answers the buffer they are in and where the data starts. */
  keep(data: Buffer, metadata: Buffer): { payload: Buffer; start: number } {
    const size = data.length + metadata.length;
    if (size > OWN_BUFFER_FROM) return { payload: Buffer.concat([data, metadata], size), start: 0 };
    if (this.used + size > this.buffer.length) {
      this.buffer = Buffer.allocUnsafe(SLAB_BYTES);
      this.used = 0;
    }
    const start = this.used;
    data.copy(this.buffer, start);
    metadata.copy(this.buffer, start + data.length);
    this.used += size;
    return { payload: this.buffer, start };
  }
}
