export * from './api-routes.js';
export * from './config.js';
