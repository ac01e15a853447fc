export * from './env.js';
export * from './open-settings.js';
export * from './redact.js';
