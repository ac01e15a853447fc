/**
 * @switchboard/react: React bindings for @switchboard/sdk.
 *
 *   <SwitchboardProvider options={{ url: 'wss://rt.example.com/ws' }}>
 *     <Ticker />
 *   </SwitchboardProvider>
 *
 *   function Ticker() {
 *     const { message, state } = useTopic<Price>('prices.eur');
 *     return <p>{state}: {message?.data.value}</p>;
 *   }
 */

export { SwitchboardProvider, type SwitchboardProviderProps, useSwitchboard } from './provider.js';
export { useConnectionState } from './use-connection-state.js';
export { type Publish, usePublish } from './use-publish.js';
export { type TopicState, type UseTopicOptions, useTopic } from './use-topic.js';
