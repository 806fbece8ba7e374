import Docker from 'dockerode';
import { dockerEndpoint } from '../../src/engine/client';

/** The engine a client talks to, named for messages and per-engine build keys. */
describe('dockerEndpoint', () => {
  it('names a client by its socket or its host and port', () => {
    expect(dockerEndpoint(new Docker({ socketPath: '/tmp/x/docker.sock' }))).toBe('unix:///tmp/x/docker.sock');
    expect(dockerEndpoint(new Docker({ host: '127.0.0.1', port: 2375 }))).toBe('http://127.0.0.1:2375');
    expect(dockerEndpoint(new Docker({ host: 'docker', port: 2376, protocol: 'https' }))).toBe('https://docker:2376');
  });

  it('without a client, names the engine DOCKER_HOST names (the local socket by default)', () => {
    const saved = process.env.DOCKER_HOST;
    try {
      delete process.env.DOCKER_HOST;
      expect(dockerEndpoint()).toBe('unix:///var/run/docker.sock');
      process.env.DOCKER_HOST = 'tcp://127.0.0.1:2375';
      expect(dockerEndpoint()).toBe('tcp://127.0.0.1:2375');
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });
});
