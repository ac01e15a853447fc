export * from './broker.js';
export * from './http.js';
export * from './nats.js';
export * from './ports.js';
export * from './process.js';
export * from './redis.js';
export * from './ws-test-client.js';
export * from './cluster.js';
