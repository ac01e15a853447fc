import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { T, TestServer } from './support.js';

describe('bus unavailable', () => {
  let server: TestServer;
  before(async () => {
    server = await TestServer.start();
  });
  after(() => server.close());

  it('a subscribe and a client publish get `unavailable` and change nothing; the connection stays', T, async () => {
    const client = await server.client();
    const { stats } = server.node.edge;
    await server.node.bus.close();
    const subscriptions = stats.subscriptions;

    const subscribe = await client.request({ op: 'subscribe', id: 1, topic: 'down.t' });
    assert.equal(subscribe.op, 'error');
    assert.equal(subscribe.id, 1);
    assert.equal(subscribe.code, 'unavailable');
    assert.equal(stats.subscriptions, subscriptions);
    assert.equal(server.node.edge.registry.subscribersOf('down.t').size, 0);

    const publish = await client.request({ op: 'publish', id: 2, topic: 'down.t', data: 'lost' });
    assert.equal(publish.op, 'error');
    assert.equal(publish.id, 2);
    assert.equal(publish.code, 'unavailable');
    assert.equal((await server.node.history?.tip('down.t'))?.offset, 0, 'nothing was stored');
    assert.equal(client.ws.readyState, client.ws.OPEN);
  });
});
