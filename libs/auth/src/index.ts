export * from './auth-config.js';
export * from './origin-policy.js';
export * from './pattern-covers.js';
export * from './permissions.js';
export * from './token-verifier.js';
