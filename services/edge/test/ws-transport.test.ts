import assert from 'node:assert/strict';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { encodeMessageFrame } from '@switchboard/protocol';
import { WebSocket, WebSocketServer } from 'ws';
import { TextMessage } from '../src/transport/text-message.js';
import { WsTransport } from '../src/transport/websocket/ws-transport.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
const socketOf = (ws: WebSocket) => (ws as unknown as { _socket: Socket })._socket;

/** A server-side WsTransport and the real client WebSocket at the other end of loopback. */
async function pair(wss: WebSocketServer): Promise<{ transport: WsTransport; client: WebSocket; server: WebSocket }> {
  const { port } = wss.address() as AddressInfo;
  const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  const server = await accepted;
  await new Promise((resolve) => client.once('open', resolve));
  return { transport: new WsTransport(server), client, server };
}

describe('WsTransport.bufferedBytes (the send-buffer figure fan-out checks per delivery)', () => {
  let wss: WebSocketServer;
  before(async () => {
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => wss.once('listening', resolve));
  });
  after(() => new Promise<void>((resolve) => wss.close(() => resolve())));

  it('counts queued frames, then what the socket holds while the client does not read, and 0 once it read', async () => {
    const { transport, client, server } = await pair(wss);
    const message = new TextMessage(Buffer.from(encodeMessageFrame('t', 1, JSON.stringify({ filler: 'x'.repeat(16_000) }))));
    const frameBytes = message.wsFrame.length;
    let received = 0;
    client.on('message', () => received++);

    transport.sendMessage(message);
    assert.equal(transport.bufferedBytes, frameBytes, 'queued for this turn');
    await turn();
    assert.equal(transport.bufferedBytes, 0, 'a reading client: the kernel took the write');

    socketOf(client).pause();
    const socket = socketOf(server);
    let sent = 1;
    // Fill the kernel's buffers until the server socket itself has to hold bytes (bounded).
    while (socket.writableLength === 0) {
      assert.ok(sent < 2000, 'the socket never buffered');
      for (let i = 0; i < 8; i++) transport.sendMessage(message);
      sent += 8;
      await turn();
    }
    assert.equal(transport.bufferedBytes, socket.writableLength);
    transport.sendMessage(message);
    sent++;
    assert.equal(transport.bufferedBytes, socket.writableLength + frameBytes, 'socket backlog + queued');

    socketOf(client).resume();
    const deadline = Date.now() + 10_000;
    while (received < sent) {
      assert.ok(Date.now() < deadline, `only ${received} of ${sent} frames arrived`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(transport.bufferedBytes, 0, 'drained: nothing owed, although no write happened since');
    client.close();
  });

  it('queues nothing once closing, and drops what a peer-closed socket was sent', async () => {
    const { transport, client, server } = await pair(wss);
    const message = new TextMessage(Buffer.from(encodeMessageFrame('t', 1, '"x"')));
    const closed = new Promise((resolve) => server.once('close', resolve));
    client.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.notEqual(server.readyState, WebSocket.OPEN, 'the peer closed');
    transport.sendMessage(message);
    await turn();
    assert.equal(transport.bufferedBytes, 0, 'the frame was dropped when the queue was written');
    transport.close(1000, 'bye');
    transport.sendMessage(message);
    assert.equal(transport.bufferedBytes, 0, 'nothing queued after close');
    await closed;
  });
});
