// Outbound mail for reports (the daily digest). The Node entry wires an SMTP
// implementation; tests pass a capturing one. Runtime-free: only the contract lives here.
export interface MailMessage {
  to: string[];
  subject: string;
  text: string;
  html?: string;
}

export interface Mailer {
  send(m: MailMessage): Promise<{ messageId: string }>;
}
