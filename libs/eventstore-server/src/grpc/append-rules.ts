import { Metadata, status } from '@grpc/grpc-js';
import { type ProposedEvent } from '../engine/expected-revision';
import { sharedPb } from './generated';
import { isCanonicalUuid } from './uuid-message';

/** EventStoreDB's default `MaxAppendSize`, and the largest value it accepts for it. */
export const DEFAULT_MAX_APPEND_SIZE = 1_048_576;
export const LARGEST_MAX_APPEND_SIZE = 16_767_216;

/**
 * What a real EventStoreDB refuses on append, so that what works in development works in production:
 * - an append larger than `MaxAppendSize` (each event counts its data, its metadata and twice the length of its
 *   type, as the server measures it), refused as `maximum-append-size-exceeded`;
 * - the empty stream name, `$all` and system streams (`$...`, but not the metadata streams `$$<name>` of ordinary
 *   streams), refused as access denied, as a secured server answers callers that are not admins;
 * - an event with an empty type or the all-zero id, a bad request.
 * Also refused here, as a bad request, so that nothing unwritable reaches the log: an id that is no UUID (EventStoreDB
 * fails to parse it), and a stream name, type or content type over 65,535 bytes (each is stored with a 16-bit length;
 * EventStoreDB takes longer ones, but nothing of ours comes near).
 */
export type AppendRefusal =
  | { readonly kind: 'maximum-append-size-exceeded'; readonly maxAppendSize: number }
  | { readonly kind: 'access-denied' }
  | { readonly kind: 'bad-request'; readonly message: string };

/** The longest stream name, event type or content type the log stores, in UTF-8 bytes. */
export const LONGEST_NAME_BYTES = 65_535;

export function streamRefusal(stream: string): AppendRefusal | undefined {
  const base = stream.startsWith('$$') ? stream.slice(2) : stream;
  if (base === '' || base === '$all' || base.startsWith('$')) return { kind: 'access-denied' };
  return tooLong('stream name', stream);
}

export function eventRefusal(event: ProposedEvent): AppendRefusal | undefined {
  if (event.type === '') return { kind: 'bad-request', message: 'Empty eventType provided.' };
  if (/^0{8}-0{4}-0{4}-0{4}-0{12}$/.test(event.eventId))
    return { kind: 'bad-request', message: 'Empty eventId provided.' };
  if (!isCanonicalUuid(event.eventId))
    return { kind: 'bad-request', message: 'Invalid eventId provided: not a UUID.' };
  return tooLong('eventType', event.type) ?? tooLong('content-type', event.contentType);
}

function tooLong(what: string, text: string): AppendRefusal | undefined {
  return Buffer.byteLength(text, 'utf8') > LONGEST_NAME_BYTES
    ? { kind: 'bad-request', message: `The ${what} is longer than ${LONGEST_NAME_BYTES} bytes.` }
    : undefined;
}

/** Adds up an append as it arrives; refuses once it goes over the limit. */
export class AppendSize {
  private bytes = 0;

  constructor(private readonly maxAppendSize: number) {}

  add(event: ProposedEvent): AppendRefusal | undefined {
    this.bytes += event.data.length + event.metadata.length + 2 * event.type.length;
    return this.bytes > this.maxAppendSize
      ? { kind: 'maximum-append-size-exceeded', maxAppendSize: this.maxAppendSize }
      : undefined;
  }
}

/** The refusal as the unary `Append` call answers it: a status with the trailers the client reads. */
export function unaryError(refusal: AppendRefusal): { code: number; details: string; metadata?: Metadata } {
  const metadata = new Metadata();
  switch (refusal.kind) {
    case 'maximum-append-size-exceeded':
      metadata.set('exception', 'maximum-append-size-exceeded');
      metadata.set('maximum-append-size', String(refusal.maxAppendSize));
      return {
        code: status.INVALID_ARGUMENT,
        details: `Maximum Append Size of ${refusal.maxAppendSize} Exceeded.`,
        metadata,
      };
    case 'access-denied':
      metadata.set('exception', 'access-denied');
      return { code: status.PERMISSION_DENIED, details: 'Access Denied', metadata };
    case 'bad-request':
      return { code: status.INVALID_ARGUMENT, details: refusal.message };
  }
}

/** The refusal as `BatchAppend` answers it: a `google.rpc.Status` whose detail the client unpacks by type. */
export function batchError(refusal: AppendRefusal): {
  code: number;
  message: string;
  detail: Uint8Array;
  typeName: string;
} {
  switch (refusal.kind) {
    case 'maximum-append-size-exceeded':
      return {
        code: status.INVALID_ARGUMENT,
        message: 'MaximumAppendSizeExceeded',
        detail: new sharedPb.MaximumAppendSizeExceeded()
          .setMaxappendsize(refusal.maxAppendSize)
          .serializeBinary(),
        typeName: 'event_store.client.MaximumAppendSizeExceeded',
      };
    case 'access-denied':
      return {
        code: status.PERMISSION_DENIED,
        message: 'AccessDenied',
        detail: new sharedPb.AccessDenied().serializeBinary(),
        typeName: 'event_store.client.AccessDenied',
      };
    case 'bad-request':
      return {
        code: status.INVALID_ARGUMENT,
        message: 'BadRequest',
        detail: new sharedPb.BadRequest().setMessage(refusal.message).serializeBinary(),
        typeName: 'event_store.client.BadRequest',
      };
  }
}
