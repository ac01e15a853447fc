import { z } from 'zod';
import { PusherApps } from './apps.js';

/**
 * `PUSHER_APPS`: `id:key:secret[,…]` or the path of a JSON file; unset = the Pusher layer is
 * off. Read by the edge (`/app/{key}`), the api (`/apps/{id}/…`) and the presence service
 * (webhooks). A bad value stops start-up with one line naming the variable.
 */
export const pusherEnv = {
  PUSHER_APPS: z
    .string()
    .default('')
    .transform((value, ctx) => {
      try {
        return PusherApps.parse(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message.replace(/^invalid PUSHER_APPS: /, '') });
        return z.NEVER;
      }
    }),
};
