/** Helpers of the pool's Docker tests: calls through the HTTP Invoke API, and sampling under load. */

import { sleep } from './wait';

export interface HttpInvokeResult {
  status: number;
  errorType: string | null;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** POST .../invocations, as any Lambda client would. */
export async function httpInvoke(url: string, name: string, event: unknown): Promise<HttpInvokeResult> {
  const res = await fetch(`${url}/2015-03-31/functions/${name}/invocations`, { method: 'POST', body: JSON.stringify(event) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, errorType: res.headers.get('x-amzn-errortype'), body };
}

/** Calls `sample` every `everyMs` until stopped; keeps the maximum it returned. */
export function sampleMax(sample: () => Promise<number>, everyMs = 20): { stop(): Promise<{ max: number; samples: number }> } {
  let max = 0;
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      max = Math.max(max, await sample());
      samples++;
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { max, samples };
    },
  };
}
