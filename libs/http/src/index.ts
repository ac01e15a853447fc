export * from './health-routes.js';
export * from './path.js';
export * from './read-body.js';
export * from './respond.js';
export * from './router.js';
export * from './serve.js';
export * from './token-bucket.js';
