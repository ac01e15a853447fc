export * from './apps.js';
export * from './channel.js';
export * from './errors.js';
export * from './event-payload.js';
export * from './signatures.js';
