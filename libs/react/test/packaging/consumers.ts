// Files the packaging test writes into the scratch project.

/** A Node program: subscribes with the SDK, publishes over HTTP, prints what it received. */
export function nodeConsumer(kind: 'esm' | 'cjs'): string {
  const imports =
    kind === 'esm'
      ? "import { createClient } from '@switchboard/sdk';\nimport { SwitchboardProvider, useTopic, usePublish } from '@switchboard/react';"
      : "const { createClient } = require('@switchboard/sdk');\nconst { SwitchboardProvider, useTopic, usePublish } = require('@switchboard/react');";
  return `${imports}
const [wsUrl, httpUrl, topic] = process.argv.slice(2);
setTimeout(() => { console.error('timed out'); process.exit(1); }, 15000).unref();
const client = createClient({ url: wsUrl });
const received = new Promise((resolve) => {
  const sub = client.subscribe(topic, resolve);
  sub.ready.then(() =>
    fetch(httpUrl + '/v1/publish', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic, data: { via: '${kind}' } }) }),
  );
});
client.connect();
received.then((message) => {
  client.close();
  const hooks = [SwitchboardProvider, useTopic, usePublish].map((f) => typeof f);
  console.log(JSON.stringify({ data: message.data, hooks }));
});
`;
}

/** A TypeScript consumer of the React bindings, typed topics included (must compile). */
export const REACT_CONSUMER = `import { SwitchboardProvider, type TopicState, usePublish, useTopic } from '@switchboard/react';
import { createClient, type Message } from '@switchboard/sdk';
import { createElement } from 'react';
import type { Order, Topics } from './topics.js';

const client = createClient<Topics>({ url: 'ws://127.0.0.1:1/ws' });
function View() {
  const topic: TopicState<Order> = useTopic<Order>('orders.eu', { since: 3 });
  const latest: Message<Order> | null = topic.message;
  const publish = usePublish();
  void publish('orders.eu', { id: 'o2', total: 1 });
  return createElement('p', null, topic.state, latest?.data.total);
}
export const app = createElement(SwitchboardProvider<Topics>, { client }, createElement(View));
export const owned = createElement(SwitchboardProvider, { options: { url: 'ws://127.0.0.1:1/ws' } });
`;

/** A CommonJS TypeScript consumer: the require condition's declarations (must compile). */
export const CJS_CONSUMER = `import sdk = require('@switchboard/sdk');
import react = require('@switchboard/react');

const client: sdk.SwitchboardClient = sdk.createClient({ url: 'ws://127.0.0.1:1/ws' });
const typed = sdk.createClient<{ 'chat.*': { text: string } }>({ url: 'ws://127.0.0.1:1/ws' });
typed.subscribe('chat.room-1', (m) => m.data.text);
export = { client, useTopic: react.useTopic };
`;

/** A plain page that loads the IIFE build and shows the first message of a topic. */
export function iifePage(wsUrl: string, topic: string): string {
  return `<!doctype html>
<p id="out"></p>
<script src="/switchboard.global.js"></script>
<script>
  const client = Switchboard.createClient({ url: ${JSON.stringify(wsUrl)} });
  const sub = client.subscribe(${JSON.stringify(topic)}, (m) => {
    const out = document.getElementById('out');
    out.dataset.offset = String(m.offset);
    out.textContent = JSON.stringify(m.data);
  });
  sub.ready.then(() => { document.body.dataset.ready = 'yes'; });
  client.connect();
</script>`;
}
