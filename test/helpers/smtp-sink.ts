// A real SMTP server on loopback (smtp-server, in-process) that keeps what it receives
// and can refuse chosen recipients, permanently (550) or for now (451).
import { SMTPServer } from "smtp-server";
import type { AddressInfo } from "node:net";

export interface Received {
  from: string;
  to: string[];
  raw: Buffer;
}

export class SmtpSink {
  readonly received: Received[] = [];
  /** Recipient address → SMTP reply code to refuse it with. */
  refuse = new Map<string, number>();
  private server: SMTPServer;
  port = 0;

  constructor() {
    this.server = new SMTPServer({
      // smtp-server's built-in certificate has expired: plain SMTP on loopback only.
      disabledCommands: ["STARTTLS", "AUTH"],
      logger: false,
      maxClients: 100,
      onRcptTo: (address, _session, cb) => {
        const code = this.refuse.get(address.address);
        if (!code) return cb();
        const e = Object.assign(
          new Error(
            code >= 500 ? `${address.address}: no such user here` : `${address.address}: mailbox busy, try later`,
          ),
          { responseCode: code },
        );
        cb(e);
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on("data", (c: Buffer) => chunks.push(c));
        stream.on("end", () => {
          this.received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks),
          });
          cb();
        });
      },
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", () => r()));
    this.port = (this.server.server.address() as AddressInfo).port;
    return `smtp://127.0.0.1:${this.port}`;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}
