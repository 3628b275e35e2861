/**
 * One example entry per fault type, as a user writes it in a scenario's `faults` list. They go
 * into docs/faults.md; a test loads every one through the scenario schema, so an example that
 * stops matching its fault's parameters fails the build.
 */
export const FAULT_EXAMPLES: Record<string, Record<string, unknown>> = {
  status: { type: 'status', code: 503, headers: { 'Retry-After': '5' } },
  'strip-upgrade': { type: 'strip-upgrade', from: 'request' },
  'corrupt-accept': { type: 'corrupt-accept', mode: 'wrong' },
  'set-headers': { type: 'set-headers', on: 'request', headers: { Origin: 'https://evil.example', 'Sec-WebSocket-Version': null } },
  subprotocol: { type: 'subprotocol', mode: 'wrong', value: 'chat.v0' },
  extensions: { type: 'extensions', mode: 'unrequested' },
  'delay-handshake': { type: 'delay-handshake', delay: '2s', jitter: '500ms', where: 'before-upstream' },
  'hang-handshake': { type: 'hang-handshake', closeAfter: '30s', how: 'fin' },
  'drop-handshake': { type: 'drop-handshake', how: 'rst' },
  latency: { type: 'latency', delay: '100ms', jitter: '20ms', direction: 'both' },
  bandwidth: { type: 'bandwidth', rate: '256KiB/s', direction: 'downstream' },
  'packet-loss': { type: 'packet-loss', rate: 0.02, rto: '200ms' },
  slice: { type: 'slice', size: 16, variation: 15, delay: '1ms' },
  reset: { type: 'reset', after: '10s' },
  close: { type: 'close', after: '5s', side: 'client' },
  blackhole: { type: 'blackhole', after: '5s', direction: 'both' },
  'limit-data': { type: 'limit-data', bytes: '64KiB', direction: 'downstream' },
  'idle-timeout': { type: 'idle-timeout', timeout: '60s', activity: 'data', how: 'fin' },
  'max-lifetime': { type: 'max-lifetime', duration: '30s', jitter: '10s', how: 'close-frame', code: 1012 },
  refuse: { type: 'refuse', count: 3, how: 'rst' },
  'connect-delay': { type: 'connect-delay', delay: '1s', jitter: '200ms' },
  'max-connections': { type: 'max-connections', limit: 10, how: 'status' },
  'drop-messages': { type: 'drop-messages', rate: 0.1, direction: 'downstream', contains: 'price' },
  'delay-messages': { type: 'delay-messages', delay: '500ms', jitter: '250ms' },
  'duplicate-messages': { type: 'duplicate-messages', rate: 0.05 },
  'reorder-messages': { type: 'reorder-messages', rate: 0.1, window: 4 },
  'corrupt-messages': { type: 'corrupt-messages', mode: 'invalid-utf8', direction: 'downstream', rate: 0.01 },
  'close-frame': { type: 'close-frame', code: 1012, reason: 'restarting', after: '5s' },
  'drop-heartbeats': { type: 'drop-heartbeats', kinds: ['pong'], direction: 'downstream' },
  'inject-messages': { type: 'inject-messages', to: 'client', text: '{"type":"surprise"}', every: '10s', count: 3 },
  'fragment-messages': { type: 'fragment-messages', size: 16 },
};
