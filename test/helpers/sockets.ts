import net, { type Socket } from 'node:net';

const open: Socket[] = [];

/** Destroys every socket socketPair() made (call in afterEach). */
export function destroySocketPairs(): void {
  for (const socket of open.splice(0)) socket.destroy();
}

/** Two connected loopback sockets (half-open allowed): what is written to `near` is read from `far`. */
export async function socketPair(options: { pauseOnConnect?: boolean } = {}): Promise<{ near: Socket; far: Socket }> {
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: options.pauseOnConnect ?? false });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const near = net.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1', allowHalfOpen: true });
  const far = await accepted;
  server.close();
  await new Promise((resolve) => (near.connecting ? near.once('connect', resolve) : resolve(null)));
  open.push(near, far);
  return { near, far };
}
