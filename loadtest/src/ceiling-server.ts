/**
 * The ceiling: the best plain `ws` broadcast server, measured in the same run as Switchboard.
 * It speaks just enough of the protocol for the load generator (welcome, subscribe/ack, pong,
 * and the publish API's two POST routes). Each published message is serialised ONCE into one
 * Buffer and handed to `ws.send` of every subscriber (ws adds the frame header and writes it:
 * one write per delivery). No history, no auth, no limits: the cost of the broadcast itself.
 *
 * Run as its own process: `PORT=0 HOST=127.0.0.1 tsx loadtest/src/ceiling-server.ts`; it prints
 * `{"port":N}` on stdout once listening.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { type WebSocket, WebSocketServer } from 'ws';

interface PublishMessage {
  topic: string;
  data: unknown;
}

const topics = new Map<string, Set<WebSocket>>();
const offsets = new Map<string, number>();
const TEXT = { binary: false };
let sessions = 0;

function broadcast(message: PublishMessage): number {
  const offset = (offsets.get(message.topic) ?? 0) + 1;
  offsets.set(message.topic, offset);
  const subscribers = topics.get(message.topic);
  if (subscribers === undefined) return offset;
  const frame = Buffer.from(JSON.stringify({ op: 'message', topic: message.topic, offset, data: message.data }));
  for (const ws of subscribers) ws.send(frame, TEXT);
  return offset;
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && (req.url === '/readyz' || req.url === '/healthz')) return send(res, 200, { ok: true, sessions });
  if (req.method !== 'POST') return send(res, 404, { error: 'not found' });
  readJson(req).then(
    (body) => {
      if (req.url === '/v1/publish') {
        const offset = broadcast(body as PublishMessage);
        return send(res, 200, { offset, epoch: null });
      }
      if (req.url === '/v1/publish/batch') {
        const results = (body as { messages: PublishMessage[] }).messages.map((m) => ({ offset: broadcast(m) }));
        return send(res, 200, { results });
      }
      send(res, 404, { error: 'not found' });
    },
    () => send(res, 400, { error: 'bad json' }),
  );
});

const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: false, clientTracking: false });
let nextSession = 0;
wss.on('connection', (ws) => {
  sessions++;
  const mine = new Set<string>();
  ws.send(JSON.stringify({ op: 'welcome', session: `c${nextSession++}`, node: 'ceiling', heartbeat: 25_000 }));
  ws.on('message', (data: Buffer) => {
    let frame: { op?: string; id?: number; topic?: string };
    try {
      frame = JSON.parse(data.toString('utf8'));
    } catch {
      ws.close(4400, 'not JSON');
      return;
    }
    if (frame.op === 'subscribe' && typeof frame.topic === 'string') {
      let set = topics.get(frame.topic);
      if (set === undefined) {
        set = new Set();
        topics.set(frame.topic, set);
      }
      set.add(ws);
      mine.add(frame.topic);
      ws.send(JSON.stringify({ op: 'ack', id: frame.id, topic: frame.topic, offset: null, epoch: null }));
    }
  });
  ws.on('error', () => undefined);
  ws.once('close', () => {
    sessions--;
    for (const topic of mine) topics.get(topic)?.delete(ws);
  });
});

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const address = server.address();
  console.log(JSON.stringify({ port: typeof address === 'object' && address !== null ? address.port : 0 }));
});
process.on('SIGTERM', () => process.exit(0));
