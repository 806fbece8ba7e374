import Docker from 'dockerode';

/**
 * The Docker client, configured from DOCKER_HOST (and DOCKER_TLS_VERIFY / DOCKER_CERT_PATH)
 * exactly as the Docker CLI reads them; docker-modem implements that parsing.
 */
export function dockerFromEnv(): Docker {
  return new Docker();
}

/**
 * Name of the engine endpoint, for messages and per-engine keys: the given client's
 * (unix:///path or http(s)://host:port), else the one DOCKER_HOST names.
 */
export function dockerEndpoint(docker?: Docker): string {
  const m = docker?.modem as { socketPath?: unknown; host?: unknown; port?: unknown; protocol?: unknown } | undefined;
  if (typeof m?.socketPath === 'string' && m.socketPath !== '') return `unix://${m.socketPath}`;
  if (typeof m?.host === 'string' && m.host !== '') {
    return `${typeof m.protocol === 'string' ? m.protocol : 'http'}://${m.host}${m.port !== undefined ? `:${String(m.port)}` : ''}`;
  }
  return process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
}

/** True when the engine answers 404 (gone) or 409 (already in that state / removal in progress). */
export function isGoneOrConflict(err: unknown): boolean {
  const code = (err as { statusCode?: number } | null)?.statusCode;
  return code === 404 || code === 409;
}

export function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: number } | null)?.statusCode === 404;
}
