/**
 * A load-generator process (forked by the runner): holds many lean WebSocket connections,
 * subscribes them, answers heartbeat pings, and counts `message` frames, recording each one's
 * latency from the publish timestamp (`"ts":<µs>` inside the data) to receipt. JSON is never
 * parsed: the op is read from a fixed byte, the timestamp from its digits.
 */
import { LatencyRecorder } from './latency-recorder.js';
import { RawWs, type RawWsHandler } from './raw-ws.js';
import type { ConnectReply, ConnectRequest, SubscriptionSpec, WorkerReply, WorkerRequest } from './worker-protocol.js';

/** Byte 7 of a server frame `{"op":"x…`: the op's first letter. */
const OP_AT = 7;
const M = 0x6d; // message
const A = 0x61; // ack
const W = 0x77; // welcome
const E = 0x65; // error
const P = 0x70; // ping
const PONG = JSON.stringify({ op: 'pong' });
/** Pusher frames (`/app/{key}` connections): `{"event":"x…`, the event's first letter at byte 10. */
const EVENT_AT = 10;
const PUSHER_PONG = '{"event":"pusher:pong","data":{}}';

const WAIT_WELCOME = 1;
const WAIT_ACKS = 2;
const READY = 3;

const latency = new LatencyRecorder();

let deliveries = 0;
let protocolErrors = 0;
let closedByServer = 0;
const groups = new Map<string, RawWs[]>();
let expectation: { count: number; done: () => void } | null = null;

/** The connect batch in progress (one at a time). */
let batch: {
  subscriptions: SubscriptionSpec | null;
  /** The batch speaks the Pusher protocol (its path is `/app/{key}`). */
  pusher: boolean;
  ready: (conn: RawWs) => void;
  failed: (conn: RawWs, error: string) => void;
} | null = null;

const handler: RawWsHandler = {
  onRead() {
    latency.startRead();
  },
  onOpen(conn) {
    conn.state = WAIT_WELCOME;
  },
  onText(conn, buf, start, end) {
    if (buf[start + 2] === E) {
      pusherText(conn, buf, start, end);
      return;
    }
    const op = end - start > OP_AT ? buf[start + OP_AT] : 0;
    if (op === M) {
      deliveries++;
      latency.recordFrame(buf, start, end);
      if (expectation !== null && deliveries >= expectation.count) expectation.done();
      return;
    }
    if (op === P) {
      conn.sendText(PONG);
      return;
    }
    if (op === W && conn.state === WAIT_WELCOME) {
      welcomed(conn);
      return;
    }
    if (op === A && conn.state === WAIT_ACKS) {
      if (--conn.acksWanted === 0) {
        conn.state = READY;
        batch?.ready(conn);
      }
      return;
    }
    if (op === E && conn.state === WAIT_ACKS) {
      batch?.failed(conn, buf.toString('utf8', start, end));
      return;
    }
    if (op !== A && op !== 0x72 /* reconnect */) protocolErrors++;
  },
  onClose(conn, byServer, error) {
    if (byServer && conn.state === READY) closedByServer++;
    if (conn.state !== READY) batch?.failed(conn, error ?? 'closed');
  },
};

/**
 * A Pusher frame: `pusher:connection_established` (welcome), `pusher_internal:subscription_succeeded`
 * (ack), `pusher:ping`, `pusher:error` / `pusher:subscription_error`; any other event is a delivery.
 */
function pusherText(conn: RawWs, buf: Buffer, start: number, end: number): void {
  if (end - start < EVENT_AT + 8 || buf[start + EVENT_AT] !== P) {
    // No latency: the timestamp is inside a JSON string here (escaped), where recordFrame would
    // search the rest of the read buffer for every frame.
    deliveries++;
    if (expectation !== null && deliveries >= expectation.count) expectation.done();
    return;
  }
  const separator = buf[start + EVENT_AT + 6]; // `:` of pusher:… or `_` of pusher_internal:…
  const first = buf[start + EVENT_AT + 7];
  if (separator === 0x5f && conn.state === WAIT_ACKS) {
    if (--conn.acksWanted === 0) {
      conn.state = READY;
      batch?.ready(conn);
    }
  } else if (separator === 0x3a && first === 0x63 /* connection_established */ && conn.state === WAIT_WELCOME) welcomed(conn);
  else if (separator === 0x3a && first === P) conn.sendText(PUSHER_PONG);
  else if (conn.state === WAIT_ACKS) batch?.failed(conn, buf.toString('utf8', start, end));
  else protocolErrors++;
}

function welcomed(conn: RawWs): void {
  const spec = batch?.subscriptions ?? null;
  if (spec === null || spec.perConnection === 0) {
    conn.state = READY;
    batch?.ready(conn);
    return;
  }
  conn.state = WAIT_ACKS;
  conn.acksWanted = spec.perConnection;
  for (let k = 0; k < spec.perConnection; k++) {
    const topic = spec.topics[(conn.index * spec.perConnection + k) % spec.topics.length];
    if (batch?.pusher === true) conn.sendText(`{"event":"pusher:subscribe","data":{"channel":"${topic}"}}`);
    else conn.sendText(`{"op":"subscribe","id":${k + 1},"topic":"${topic}"}`);
  }
}

/** Opens `count` connections, `concurrency` at a time; resolves when each is ready or failed. */
function connectBatch(req: ConnectRequest): Promise<ConnectReply> {
  const started = performance.now();
  let next = 0;
  let opened = 0;
  let failed = 0;
  let inFlight = 0;
  let firstError: string | null = null;
  let connections = groups.get(req.group);
  if (connections === undefined) {
    connections = [];
    groups.set(req.group, connections);
  }
  const group = connections;
  const base = group.length;
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      batch = null;
      resolve({ id: req.id, opened, failed, elapsedMs: performance.now() - started, firstError });
    };
    const timer = setTimeout(() => {
      failed += req.count - opened - failed;
      firstError ??= `timed out after ${req.timeoutMs} ms`;
      finish();
    }, req.timeoutMs);
    const launch = () => {
      while (inFlight < req.concurrency && next < req.count) {
        inFlight++;
        group.push(new RawWs(req.host, req.port, req.path, handler, base + next));
        next++;
      }
      if (opened + failed === req.count) finish();
    };
    batch = {
      subscriptions: req.subscriptions,
      pusher: req.path.startsWith('/app/'),
      ready: () => {
        opened++;
        inFlight--;
        launch();
      },
      failed: (conn, error) => {
        if (conn.state === -1) return;
        conn.state = -1;
        conn.destroy();
        failed++;
        inFlight--;
        firstError ??= error;
        launch();
      },
    };
    launch();
  });
}

function expect(count: number, timeoutMs: number): Promise<boolean> {
  if (deliveries >= count) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      expectation = null;
      resolve(false);
    }, timeoutMs);
    expectation = {
      count,
      done: () => {
        clearTimeout(timer);
        expectation = null;
        resolve(true);
      },
    };
  });
}

function reply(message: WorkerReply): void {
  process.send?.(message);
}

process.on('message', (req: WorkerRequest) => {
  switch (req.cmd) {
    case 'connect':
      void connectBatch(req).then(reply);
      return;
    case 'expect':
      void expect(req.count, req.timeoutMs).then((reached) => reply({ id: req.id, deliveries, reached }));
      return;
    case 'reset':
      deliveries = 0;
      latency.reset();
      reply({ id: req.id });
      return;
    case 'stats':
      reply({
        id: req.id,
        deliveries,
        histogram: latency.encode(),
        open: [...groups.values()].reduce((n, list) => n + list.filter((c) => c.open).length, 0),
        closedByServer,
        protocolErrors,
      });
      return;
    case 'close':
      for (const [name, list] of groups) {
        if (req.group !== null && name !== req.group) continue;
        for (const conn of list) conn.destroy();
        groups.delete(name);
      }
      reply({ id: req.id });
      return;
  }
});

// The runner going away (or stopping it) takes the worker with it; exit() lets a profile be written.
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
