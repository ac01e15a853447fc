import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { dockerAvailable, startNats, startRedis, startRedisCluster } from '../src/index.js';

const redisCli = (port: string, ...args: string[]) => execFileSync('redis-cli', ['-p', port, ...args], { encoding: 'utf8' }).trim();
const portOf = (url: string) =>
  url
    .replace(/^.*:\/\//, '')
    .split(',')[0]
    ?.split(':')[1] ?? '';

/** Reads the INFO line a NATS server sends on connect. */
function natsInfo(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString());
    });
    socket.once('error', reject);
    socket.connect(Number(portOf(url)), '127.0.0.1');
  });
}

describe('testkit brokers (local binaries on free ports)', () => {
  it('starts Redis, keeps acknowledged writes across kill -9 and restart', async () => {
    const redis = await startRedis();
    try {
      assert.match(redis.url, /^redis:\/\/127\.0\.0\.1:\d+$/);
      const port = portOf(redis.url);
      assert.equal(redisCli(port, 'SET', 'k', 'v'), 'OK');
      await redis.kill();
      assert.throws(() => redisCli(port, 'PING'));
      await redis.restart();
      assert.equal(redisCli(port, 'GET', 'k'), 'v');
    } finally {
      await redis.stop();
    }
  });

  it('starts a 3-master Redis Cluster that answers sharded commands', async () => {
    const cluster = await startRedisCluster({ masters: 3 });
    try {
      const hosts = cluster.url.replace('redis-cluster://', '').split(',');
      assert.equal(hosts.length, 3);
      const port = portOf(cluster.url);
      assert.match(redisCli(port, 'CLUSTER', 'INFO'), /cluster_state:ok/);
      assert.match(redisCli(port, 'CLUSTER', 'INFO'), /cluster_known_nodes:3/);
      assert.equal(execFileSync('redis-cli', ['-c', '-p', port, 'SPUBLISH', 'some-channel', 'x'], { encoding: 'utf8' }).trim(), '0');
    } finally {
      await cluster.stop();
    }
  });

  it('starts NATS with JetStream and restarts it on the same port', async () => {
    const nats = await startNats({ jetstream: true });
    try {
      assert.match(await natsInfo(nats.url), /"jetstream":true/);
      await nats.kill();
      await assert.rejects(natsInfo(nats.url));
      await nats.restart();
      assert.match(await natsInfo(nats.url), /^INFO /);
    } finally {
      await nats.stop();
    }
  });
});

describe('where a broker comes from', () => {
  it('takes an env URL first, and refuses to kill a broker it did not start', async () => {
    const saved = process.env.NATS_URL;
    process.env.NATS_URL = 'nats://127.0.0.1:4999';
    try {
      const nats = await startNats();
      assert.deepEqual([nats.url, nats.source], ['nats://127.0.0.1:4999', 'env']);
      await assert.rejects(nats.kill(), /cannot kill or restart the external broker/);
    } finally {
      if (saved === undefined) delete process.env.NATS_URL;
      else process.env.NATS_URL = saved;
    }
  });

  it('sees no Docker engine where none answers', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/docker.sock';
    try {
      assert.equal(await dockerAvailable(), false);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });
});
