import { createCredentialChain, fromEnv, fromIni, fromProcess } from '@aws-sdk/credential-providers';

/** AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (as Lambda gives them from the execution role), and pass-throughs. */
export type CredentialEnv = Record<string, string>;

/** Passed through from the host as they are, when set (a LocalStack endpoint, a profile's region...). */
const PASS_THROUGH = /^AWS_ENDPOINT_URL(_[A-Z0-9_]+)?$/;

/**
 * The host's AWS credentials, as the SDK resolves them: the environment, then the shared config and
 * credentials files (AWS_PROFILE, role profiles, credential_process). Not the container and
 * instance metadata services: a local tool has no business calling link-local addresses.
 * Resolved again once expired; a host without credentials gives none (and no error).
 */
export function hostCredentials(env: NodeJS.ProcessEnv = process.env): () => Promise<CredentialEnv> {
  const chain = createCredentialChain(fromEnv(), fromIni(), fromProcess()).expireAfter(15 * 60_000);
  let cached: { value: CredentialEnv; until: number } | undefined;
  const passThrough = Object.fromEntries(Object.entries(env).filter(([k, v]) => PASS_THROUGH.test(k) && v !== undefined)) as CredentialEnv;
  return async () => {
    if (cached && Date.now() < cached.until) return cached.value;
    const value: CredentialEnv = { ...passThrough };
    let until = Date.now() + 60_000; // none found: look again in a minute
    try {
      const c = await chain();
      value.AWS_ACCESS_KEY_ID = c.accessKeyId;
      value.AWS_SECRET_ACCESS_KEY = c.secretAccessKey;
      if (c.sessionToken) value.AWS_SESSION_TOKEN = c.sessionToken;
      until = c.expiration ? c.expiration.getTime() - 60_000 : Number.POSITIVE_INFINITY;
    } catch {
      /* no credentials on this host: the functions get none, as with `credentials: none` */
    }
    cached = { value, until };
    return value;
  };
}
