export * from './control-topics.js';
export * from './presence-source.js';
export * from './report.js';
export * from './report-builder.js';
export * from './report-codec.js';
