export * from './codes.js';
export * from './decode.js';
export * from './encode.js';
export type * from './frames.js';
export * from './topic.js';
