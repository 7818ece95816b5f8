/**
 * A TCP proxy standing for the network between tgbase processes and a server they call (the Bot
 * API emulator): it forwards everything until `down()`, then behaves like a network that lost its
 * route — connections open but nothing comes back, on new and on existing connections alike —
 * until `up()`, which resets the stalled connections as a NAT or load balancer would.
 */
import net from 'node:net';

export interface OutageProxy {
  /** `http://127.0.0.1:<port>`: give this to the processes instead of the target's URL. */
  url: string;
  /** Starts the outage: bytes sent from now on get no answer. */
  down(): void;
  /** Ends the outage: stalled connections are reset; new ones are forwarded again. */
  up(): void;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (random port) in front of `targetPort`. */
export async function startOutageProxy(targetPort: number): Promise<OutageProxy> {
  let outage = false;
  const links = new Set<{ client: net.Socket; upstream?: net.Socket }>();
  const stall = (link: { client: net.Socket; upstream?: net.Socket }) => {
    // Drop the route both ways; the sockets stay open, as they would behind a dead link.
    link.client.unpipe();
    link.upstream?.unpipe();
    link.upstream?.destroy();
    link.upstream = undefined;
    link.client.on('data', () => undefined);
  };
  const server = net.createServer((client) => {
    const link: { client: net.Socket; upstream?: net.Socket } = { client };
    links.add(link);
    client.on('error', () => undefined);
    client.on('close', () => {
      link.upstream?.destroy();
      links.delete(link);
    });
    if (outage) return stall(link);
    const upstream = net.connect(targetPort, '127.0.0.1');
    link.upstream = upstream;
    upstream.on('error', () => client.destroy());
    upstream.on('close', () => {
      if (link.upstream === upstream) client.destroy();
    });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    down() {
      outage = true;
      for (const link of links) stall(link);
    },
    up() {
      outage = false;
      for (const link of links) if (!link.upstream) link.client.destroy();
    },
    async close() {
      for (const link of links) {
        link.upstream?.destroy();
        link.client.destroy();
      }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
