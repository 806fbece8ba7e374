import http from 'node:http';

/** Keep-alive HTTP client of the bench: one agent per client, as an SDK would hold. */
export function keepAliveAgent(maxSockets = 1): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets });
}

export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function request(
  url: string,
  opts: { method?: string; body?: string; headers?: http.OutgoingHttpHeaders; agent?: http.Agent } = {},
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { ...opts.headers };
    if (opts.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      headers['content-length'] = Buffer.byteLength(opts.body);
    }
    const req = http.request(url, { method: opts.method ?? 'GET', headers, agent: opts.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** One RequestResponse invocation through the Invoke API; throws unless it is a 200 without a function error. */
export async function invoke(baseUrl: string, fn: string, agent: http.Agent, event: unknown = {}): Promise<string> {
  const r = await request(`${baseUrl}/2015-03-31/functions/${fn}/invocations`, { method: 'POST', body: JSON.stringify(event), agent });
  if (r.status !== 200 || r.headers['x-amz-function-error']) {
    throw new Error(
      `invocation of ${fn} answered ${r.status}${r.headers['x-amz-function-error'] ? ' (function error)' : ''}: ${r.body.slice(0, 300)}`,
    );
  }
  return r.body;
}
