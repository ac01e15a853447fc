/**
 * @switchboard/sdk: the browser (and Node) client for Switchboard. No runtime dependencies.
 *
 *   const client = createClient({ url: 'wss://rt.example.com/ws', getToken });
 *   client.on('connected', ({ node }) => console.log('on', node));
 *   client.subscribe('chat.room-42', (m) => render(m.data));
 *   await client.connect();
 */

export type { ClientOptions, ClientState, PublishResult } from './client.js';
export { createClient, SwitchboardClient } from './client.js';
export type { ErrorCode } from './errors.js';
export { SwitchboardError } from './errors.js';
export type {
  ClientEventName,
  ClientEvents,
  ConnectedEvent,
  ConnectingEvent,
  DisconnectedEvent,
  Listener,
  RecoveredEvent,
} from './events.js';
export type { StreamPosition } from './frames.js';
export type { Message, MessageHandler, SubscribeAck, SubscribeOptions } from './subscription.js';
export { Subscription } from './subscription.js';
export { isWildcard, matchTopic } from './topic-match.js';
export type { AnyTopics, KnownTopic, PatternCovers, TopicPayload, TopicTokens } from './typed-topics.js';
export type { WebSocketConstructor, WebSocketLike } from './websocket.js';
