import Docker from 'dockerode';

/**
 * The Docker client, configured from DOCKER_HOST (and DOCKER_TLS_VERIFY / DOCKER_CERT_PATH)
 * exactly as the Docker CLI reads them; docker-modem implements that parsing.
 */
export function dockerFromEnv(): Docker {
  return new Docker();
}

/** Human-readable name of the engine endpoint, for messages. */
export function dockerEndpoint(): string {
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
