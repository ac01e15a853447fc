import { request } from 'node:http';
import type { BrokerHandle } from './broker.js';

/** Where a Docker engine listens (DOCKER_HOST=unix:///… or the default socket). */
function dockerSocket(): string {
  const host = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  return host.startsWith('unix://') ? host.slice('unix://'.length) : '';
}

/** True when a Docker engine answers `GET /_ping` within a second (none does on our machines). */
export function dockerAvailable(): Promise<boolean> {
  const socketPath = dockerSocket();
  if (socketPath === '') return Promise.resolve(false);
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** The slice of the testcontainers API used here (the package is loaded only when needed). */
interface StartedContainer {
  getHost(): string;
  getMappedPort(port: number): number;
  stop(): Promise<unknown>;
  restart(): Promise<unknown>;
}
interface ContainerBuilder {
  withExposedPorts(...ports: number[]): ContainerBuilder;
  withCommand(command: string[]): ContainerBuilder;
  start(): Promise<StartedContainer>;
}
interface TestcontainersModule {
  GenericContainer: new (image: string) => ContainerBuilder;
}

/**
 * The last resort for a broker: a container, through testcontainers, when a Docker engine
 * answers. The package is not a dependency (no machine of ours has an engine): where an engine
 * exists, `npm install testcontainers` once. `url(host, port)` builds the BUS_URL.
 */
export async function startContainer(
  image: string,
  port: number,
  command: string[],
  url: (host: string, port: number) => string,
): Promise<BrokerHandle> {
  const moduleName = 'testcontainers';
  let testcontainers: TestcontainersModule;
  try {
    testcontainers = (await import(moduleName)) as TestcontainersModule;
  } catch (err) {
    throw new Error('a Docker engine answers, but the testcontainers package is not installed (npm install testcontainers)', {
      cause: err,
    });
  }
  const container = await new testcontainers.GenericContainer(image).withExposedPorts(port).withCommand(command).start();
  return {
    url: url(container.getHost(), container.getMappedPort(port)),
    source: 'container',
    stop: async () => {
      await container.stop();
    },
    kill: async () => {
      await container.stop();
    },
    restart: async () => {
      await container.restart();
    },
  };
}
