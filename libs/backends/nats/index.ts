export * from './jetstream-history.js';
export * from './nats-backend.js';
export * from './nats-bus.js';
