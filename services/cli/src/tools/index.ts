export { historyTool } from './history.js';
export { presenceQueryTool } from './presence.js';
export { publishTool } from './publish.js';
export { subscribeTool } from './subscribe.js';
export { tokenTool } from './token.js';
