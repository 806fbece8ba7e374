import { PassThrough } from 'node:stream';
import { relayStream, streamRate, LAMBDA_STREAM_RATE } from '../../src/context/relay-stream';
import type { StreamEnd, StreamedOutcome } from '../../src/runtime-api/types';

function fakeStream() {
  const body = new PassThrough();
  let settle: (e: StreamEnd) => void = () => undefined;
  const end = new Promise<StreamEnd>((r) => (settle = r));
  const outcome: StreamedOutcome = { kind: 'streaming', contentType: 'text/plain', body, end };
  return { outcome, body, settle };
}

function recordingSink() {
  const writes: { at: number; bytes: number }[] = [];
  const events: string[] = [];
  return {
    writes,
    events,
    sink: {
      start: (t: string | undefined) => void events.push(`start ${t}`),
      write: (c: Buffer) => void writes.push({ at: Date.now(), bytes: c.length }),
      end: (e?: { errorType: string }) => void events.push(e ? `end ${e.errorType}` : 'end'),
    },
  };
}

describe('relayStream', () => {
  it('the burst at once, then the rate (a lower bound: the bytes past the burst take their time)', async () => {
    const s = fakeStream();
    const r = recordingSink();
    const rate = { burstBytes: 1000, bytesPerSecond: 10_000 };
    const relay = relayStream(s.outcome, r.sink, rate);
    s.body.end(Buffer.alloc(3000));
    s.settle({ kind: 'complete', bytes: 3000 });
    const startedAt = Date.now();
    await expect(relay.done).resolves.toEqual({ kind: 'response', body: Buffer.alloc(0) });
    expect(r.writes.reduce((n, w) => n + w.bytes, 0)).toBe(3000);
    expect(r.writes[0].bytes).toBe(1000); // the burst, whole
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(190); // 2000 bytes at 10 kB/s
    expect(r.events).toEqual(['start text/plain', 'end']);
  });

  it("a failure's trailers end the sink with the error", async () => {
    const s = fakeStream();
    const r = recordingSink();
    const relay = relayStream(s.outcome, r.sink, LAMBDA_STREAM_RATE);
    s.body.end(Buffer.from('partial'));
    s.settle({ kind: 'error', errorType: 'Error', errorBody: Buffer.from('{"errorType":"TypeError","errorMessage":"x"}'), bytes: 7 });
    await expect(relay.done).resolves.toMatchObject({ kind: 'error', errorType: 'Error' });
    expect(r.events).toEqual(['start text/plain', 'end TypeError']);
  });

  it('a sink whose client left gets nothing more, and the stream is still read to its end', async () => {
    const s = fakeStream();
    const r = recordingSink();
    let calls = 0;
    const relay = relayStream(s.outcome, { ...r.sink, write: () => (calls++, Promise.reject(new Error('gone'))) }, LAMBDA_STREAM_RATE);
    s.body.write(Buffer.from('a'));
    await new Promise((res) => setImmediate(res));
    s.body.end(Buffer.alloc(1024 * 1024));
    s.settle({ kind: 'complete', bytes: 1 + 1024 * 1024 });
    await relay.done;
    expect(calls).toBe(1);
    expect(s.body.readableEnded).toBe(true);
  });

  it("past 200 MB: Lambda's Function.ResponseSizeTooLarge", async () => {
    const s = fakeStream();
    const r = recordingSink();
    const relay = relayStream(s.outcome, r.sink, LAMBDA_STREAM_RATE);
    s.body.end();
    s.settle({ kind: 'too-large', bytes: 200 * 1024 * 1024 + 1 });
    await expect(relay.done).resolves.toEqual({ kind: 'too-large', bytes: 200 * 1024 * 1024 + 1 });
    expect(r.events).toEqual(['start text/plain', 'end Function.ResponseSizeTooLarge']);
  });

  it('cut: the sink ends with Sandbox.Timedout', () => {
    const s = fakeStream();
    const r = recordingSink();
    relayStream(s.outcome, r.sink).cut({ kind: 'timeout' });
    expect(r.events).toEqual(['start text/plain', 'end Sandbox.Timedout']);
  });

  it('settings.streamRate scales the rate past the burst', () => {
    expect(streamRate(2 * 1024 * 1024)).toEqual(LAMBDA_STREAM_RATE);
    expect(streamRate(1000)).toEqual({ burstBytes: 6 * 1024 * 1024, bytesPerSecond: 1000 });
  });
});
