export * from './bus-envelope.js';
export * from './codes.js';
export * from './decode.js';
export * from './encode.js';
export type * from './frames.js';
export * from './reserved-topics.js';
export * from './topic.js';
