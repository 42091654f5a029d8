// The address a request came from, for sign-in throttling. On Node it is the socket's
// peer (a client cannot forge it); behind a reverse proxy the deployer names the header
// the proxy sets (CLIENT_ADDRESS_HEADER, e.g. x-real-ip), since otherwise every request
// would come from the proxy. On Workers, Cloudflare sets cf-connecting-ip itself.
import type { Context } from "hono";

interface NodeBindings {
  incoming?: { socket?: { remoteAddress?: string } };
}

export function clientAddress(c: Context, header?: string | undefined): string {
  if (header) {
    const v = c.req.header(header)?.split(",")[0]?.trim();
    if (v) return v;
  }
  const socket = (c.env as NodeBindings | undefined)?.incoming?.socket?.remoteAddress;
  return socket ?? c.req.header("cf-connecting-ip") ?? "unknown";
}
