// The HTTP servers' listen: Hono's `serve`, with a deeper accept queue.
import { createAdaptorServer } from "@hono/node-server";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** Connections the kernel queues for accept (Node's default is 511; the kernel caps it at
 * net.core.somaxconn). Twilio posts receipts with no cap on concurrency, and a county's
 * loudspeakers reconnect together after an outage: at 511 the webhook listener's queue
 * overflowed 33,063 times in one 200k fan-out with receipts (each a SYN-ACK resent a second
 * later; in other runs 16-260 receipts were reset and lost), at 4096 not once. */
export const LISTEN_BACKLOG = 4096;

/** Like `serve` from @hono/node-server: listens on `port` (0: any) and calls `onListening`
 * with the address bound. `error` (a taken port) is the caller's to handle. */
export function serveHttp(
  o: { fetch: (req: Request) => Response | Promise<Response>; port: number; hostname: string },
  onListening?: (info: AddressInfo) => void,
): Server {
  const server = createAdaptorServer({ fetch: o.fetch }) as Server;
  server.listen({ port: o.port, host: o.hostname, backlog: LISTEN_BACKLOG }, () =>
    onListening?.(server.address() as AddressInfo),
  );
  return server;
}
