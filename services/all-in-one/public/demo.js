// The demo page's logic, built on the browser SDK served at /sdk.js.
import { createClient } from '/sdk.js';

const $ = (id) => document.getElementById(id);
const status = $('status');
const messages = $('messages');

const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
const client = createClient({ url: wsUrl });

const showState = (state, detail = '') => {
  status.dataset.state = state;
  status.textContent = detail ? `${state} (${detail})` : state;
};
client.on('connecting', () => showState('connecting'));
client.on('connected', (event) => {
  showState('connected');
  $('node').textContent = `node ${event.node}`;
});
client.on('disconnected', (event) => showState('disconnected', `${event.code}`));
client.on('recovered', (event) => addLine('–', `some messages on ${event.topic} could not be recovered`));

function addLine(offset, text) {
  const li = document.createElement('li');
  li.dataset.offset = String(offset);
  const tag = document.createElement('span');
  tag.className = 'offset';
  tag.textContent = `#${offset}`;
  li.append(tag, document.createTextNode(text));
  messages.prepend(li);
  while (messages.children.length > 200) messages.lastElementChild.remove();
}

let subscription = null;
function watch(topic) {
  subscription?.unsubscribe();
  messages.replaceChildren();
  $('watching').textContent = topic;
  subscription = client.subscribe(topic, (message) => addLine(message.offset ?? '–', JSON.stringify(message.data)));
  subscription.ready.catch((error) => ($('result').textContent = `subscribe failed: ${error.message}`));
}

$('subscribe-form').addEventListener('submit', (event) => {
  event.preventDefault();
  watch($('topic').value.trim());
});

$('publish-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  let data;
  try {
    data = JSON.parse($('data').value);
  } catch {
    $('result').textContent = 'data must be JSON';
    return;
  }
  try {
    const { offset } = await client.publish($('watching').textContent, data);
    $('result').textContent = `published at offset ${offset}`;
  } catch (error) {
    $('result').textContent = `publish failed: ${error.message}`;
  }
});

client.connect();
watch($('topic').value.trim());
