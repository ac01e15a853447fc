export * from './env.js';
export * from './open-settings.js';
