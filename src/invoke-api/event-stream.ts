import { EventStreamCodec, type MessageHeaders } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

/** InvokeWithResponseStream's framing: application/vnd.amazon.eventstream messages. */
export const EVENT_STREAM_CONTENT_TYPE = 'application/vnd.amazon.eventstream';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

function event(type: string, contentType: string, body: Uint8Array): Buffer {
  const headers: MessageHeaders = {
    ':event-type': { type: 'string', value: type },
    ':content-type': { type: 'string', value: contentType },
    ':message-type': { type: 'string', value: 'event' },
  };
  const bytes = codec.encode({ headers, body });
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** A PayloadChunk event: the bytes as the function wrote them (the SDK's Payload blob). */
export function payloadChunk(bytes: Uint8Array): Buffer {
  return event('PayloadChunk', 'application/octet-stream', bytes);
}

export interface InvokeCompleteFields {
  ErrorCode?: string;
  ErrorDetails?: string;
  LogResult?: string;
}

/** The last event: how the invocation ended, and the log tail when asked for. */
export function invokeComplete(fields: InvokeCompleteFields): Buffer {
  return event('InvokeComplete', 'application/json', Buffer.from(JSON.stringify(fields)));
}
