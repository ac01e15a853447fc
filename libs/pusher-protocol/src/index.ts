export * from './apps.js';
export * from './channel.js';
export * from './control-topics.js';
export * from './env.js';
export * from './errors.js';
export * from './event-payload.js';
export * from './presence-member.js';
export * from './signatures.js';
