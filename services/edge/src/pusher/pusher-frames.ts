/** Server → client Pusher frames the edge writes itself (fan-out frames come from the bus, see pusher-wire.ts). */

export function connectionEstablished(socketId: string, activityTimeoutSeconds: number): string {
  return JSON.stringify({
    event: 'pusher:connection_established',
    data: JSON.stringify({ socket_id: socketId, activity_timeout: activityTimeoutSeconds }),
  });
}

export const PONG = '{"event":"pusher:pong","data":"{}"}';

export function subscriptionSucceeded(channel: string, data: object = {}): string {
  return JSON.stringify({ event: 'pusher_internal:subscription_succeeded', channel, data: JSON.stringify(data) });
}

/** A refused subscribe, as pusher-js reports it on the channel (`pusher:subscription_error`). */
export function subscriptionError(channel: string, type: string, error: string, status: number): string {
  return JSON.stringify({ event: 'pusher:subscription_error', channel, data: { type, error, status } });
}

export function signinSuccess(userData: string): string {
  return JSON.stringify({ event: 'pusher:signin_success', data: { user_data: userData } });
}
