import { isUtf8 } from 'node:buffer';
import { InvalidRequestContentException } from '../errors';

const PREFIX = 'Could not parse request body into json: Could not parse payload into json: ';

/** The event a function gets: the body as sent (an empty one is `{}`), which must be UTF-8 JSON. */
export function parsePayload(body: Buffer): Buffer {
  const payload = body.length > 0 ? body : Buffer.from('{}');
  if (!isUtf8(payload)) {
    const at = firstInvalidByte(payload);
    throw new InvalidRequestContentException(`${PREFIX}Invalid UTF-8 byte 0x${payload[at].toString(16).padStart(2, '0')} at offset ${at}`);
  }
  try {
    JSON.parse(payload.toString('utf8'));
  } catch (err) {
    throw new InvalidRequestContentException(`${PREFIX}${(err as Error).message}`);
  }
  return payload;
}

/** Where decoding first fails: every character before it decoded from its own bytes. */
function firstInvalidByte(buf: Buffer): number {
  let offset = 0;
  for (const ch of buf.toString('utf8')) {
    const own = Buffer.from(ch);
    if (ch === '\uFFFD' && !buf.subarray(offset, offset + own.length).equals(own)) return offset;
    offset += own.length;
  }
  return 0;
}
