// Everything a request or job needs, built once per process (or per Worker request) and
// handed to the app. Tests build their own with a test database and a fixed clock.
import type { Db } from "./db/client.js";
import type { Grading, Policy } from "./config/grading.js";
import type { Logger } from "./lib/log.js";
import type { TemplateCatalog } from "./templates/catalog.js";
import type { Mailer } from "./lib/mailer.js";
import type { ChannelHealth } from "../channels/contract.js";
import type { ChannelKind } from "./domain/vocabulary.js";
import type { DeviceCommandRow } from "./deliveries/device-commands.js";
import type { Warning } from "./db/queries/warnings.js";

export interface ServiceConfig {
  /** CAP sender: no spaces, commas, `<` or `&`. */
  sender: string;
  /** Issuing office shown in message text, e.g. 赤峰市气象台. */
  senderName: string;
  /** SMS sender signature prefixed to every text, e.g. 【赤峰市气象局】. */
  smsSignature: string;
  publicUrl: string;
  /** Where providers call back (Twilio's status callbacks): the webhook listener's address
   * when one runs (WEBHOOK_PORT); unset → publicUrl. */
  webhookUrl?: string | undefined;
  /** Verifies X-Twilio-Signature on webhooks (TWILIO_AUTH_TOKEN); unset → webhooks refuse. */
  twilioAuthToken?: string | undefined;
  /** Seals console session cookies (SESSION_SECRET); unset → a random secret per process. */
  sessionSecret?: string | undefined;
  tzDisplay: string;
  /** Header a trusted reverse proxy sets to the client's address (CLIENT_ADDRESS_HEADER). */
  clientAddressHeader?: string | undefined;
  maxJsonBytes: number;
  maxCsvBytes: number;
  maxXmlBytes: number;
  /** Our own 18-digit EBRID towards county broadcast platforms (EB_RESOURCE_CODE); unset → channel eb is off. */
  ebResourceCode?: string | undefined;
  /** Largest EBD package accepted at /eb/access. */
  maxEbBytes: number;
  /** Where the daily coverage digest goes (DIGEST_EMAILS). */
  digestEmails: string[];
  /** Whole months a warning's deliveries are kept after its issue month (LEDGER_RETENTION_MONTHS). */
  ledgerRetentionMonths: number;
}

export interface Services {
  db: Db;
  /** Where provider receipts (Twilio's status callbacks) are written: on Node a small pool
   * of their own (`warncast-receipts`), so a storm of receipts never takes the connections
   * staff requests need; absent → `db`. */
  receiptsDb?: Db;
  grading: Grading;
  policy: Policy;
  config: ServiceConfig;
  log: Logger;
  now: () => Date;
  /** Message templates; absent → the copy bundled at build time (templates/). */
  templates?: TemplateCatalog;
  /** Report mail (the daily digest); absent → jobs log what they would have sent. */
  mailer?: Mailer;
  /** Each channel's health for GET /health (Node: the built channels); absent → not shown. */
  channelHealth?: () => Promise<Partial<Record<ChannelKind, ChannelHealth>>>;
  /** The device commands a request's issue has just committed, for the device hub in this
   * process (Node): sent at once rather than after a notice and a read. Set, an approve
   * reserves its devices and leaves their rows to this hub (deliveries/device-sends.ts).
   * Absent (Workers, no hub here) → the plan writes the rows and the hubs' notice delivers
   * them, as it does on other instances. */
  onDeviceCommands?: (commands: DeviceCommandRow[], warning: Warning) => void;
}

/** The base of the URLs given to providers for their callbacks, without a trailing slash. */
export const callbackBase = (c: Pick<ServiceConfig, "publicUrl" | "webhookUrl">) =>
  (c.webhookUrl ?? c.publicUrl).replace(/\/+$/, "");

export const defaultServiceConfig: ServiceConfig = {
  sender: "warncast.chifeng",
  senderName: "赤峰市气象台",
  smsSignature: "【赤峰市气象局】",
  publicUrl: "http://127.0.0.1:8080",
  tzDisplay: "Asia/Shanghai",
  maxJsonBytes: 256 * 1024,
  maxCsvBytes: 128 * 1024 * 1024,
  maxXmlBytes: 1024 * 1024,
  maxEbBytes: 2 * 1024 * 1024,
  digestEmails: [],
  ledgerRetentionMonths: 13,
};
