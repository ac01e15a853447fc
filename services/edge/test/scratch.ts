import { TestServer, sleep } from './support.js';
const s = await TestServer.start({ MAX_SEND_BUFFER_BYTES: '65536', MAX_MESSAGE_BYTES: '65536' });
const slow = await s.client(); const good = await s.client();
await slow.request({ op: 'subscribe', id: 1, topic: 'big' });
await good.request({ op: 'subscribe', id: 1, topic: 'big' });
(slow.ws as any)._socket.pause();
const payload = 'x'.repeat(32_000);
let n = 0; const t0 = Date.now();
while (s.node.edge.stats.slowConsumerCloses === 0 && n < 5000) { await s.publish('big', { n, payload }); n++; await new Promise(r => setImmediate(r)); }
console.log('published', n, 'ms', Date.now() - t0, 'bytes', n * 32000);
(slow.ws as any)._socket.resume();
const t1 = Date.now();
console.log(await slow.closed, Date.now() - t1, slow.messages().length);
await good.collect(f => f.op === 'message', n, 5000);
console.log('good', good.messages().length);
await s.close();
