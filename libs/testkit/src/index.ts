export * from './http.js';
export * from './ws-test-client.js';
