import { historyLimits, openBackend } from '@switchboard/backends';
import { Publisher } from '@switchboard/history';
import { createLogger, createMetricsRegistry, runService } from '@switchboard/telemetry';
import { loadPresenceConfig } from './config.js';
import { startPresenceServer } from './presence-server.js';

runService('presence', async () => {
  const config = loadPresenceConfig();
  const log = createLogger({ service: 'presence', nodeId: config.NODE_ID, level: config.LOG_LEVEL });
  if (config.API_KEYS.length === 0) log.warn('API_KEYS is not set: presence (who is online, on which topics) is readable by anyone');
  if (config.PRESENCE_WEBHOOK_URL !== undefined && config.PRESENCE_WEBHOOK_SECRET === undefined) {
    log.warn('PRESENCE_WEBHOOK_SECRET is not set: webhook requests are not signed');
  }
  // It publishes `$presence.users` events and, with PUSHER_APPS, presence channel member events.
  const publishes = config.PRESENCE_USERS_TOPIC || config.PUSHER_APPS.enabled;
  const { bus, history } = await openBackend(config.BUS_URL, {
    prefix: config.BUS_PREFIX,
    // The history only serves what this service publishes: `$presence.users`, Pusher member events.
    history: publishes ? historyLimits(config) : null,
    onHandlerError: (err, topic) => log.error({ err, topic }, 'bus handler threw'),
  });
  const publisher = publishes ? new Publisher(bus, history) : null;
  const metrics = createMetricsRegistry({ service: 'presence', node: config.NODE_ID });
  const presence = await startPresenceServer({ config, bus, publisher, log, metrics });
  log.info({ port: presence.port, bus: bus.kind, webhook: config.PRESENCE_WEBHOOK_URL ?? 'off' }, 'presence listening');
  return {
    async stop() {
      await presence.close();
      await bus.close();
      await history?.close();
    },
  };
});
