// Signing EBD packages (GY/T 389: SM2 with SM3). Production keys live in a hardware
// cryptographic device or a signing service holding a broadcast-PKI certificate, so we
// never hold a private key: `http` asks such a service (request and response in the
// README), `none` writes an empty signature for test platforms with verification off.
import type { SignerConfig } from "./config.js";
import type { SignatureFields } from "./messages.js";

export class SignerError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = "SignerError";
  }
}

export interface Signer {
  readonly kind: SignerConfig["kind"];
  sign(data: Uint8Array): Promise<SignatureFields>;
  /** Whether `signature` over `data` verifies against the platform's certificate. */
  verify(data: Uint8Array, signature: SignatureFields, certificate: string): Promise<boolean>;
}

export const ALGORITHM = "SM2-SM3";

export const noneSigner: Signer = {
  kind: "none",
  sign: async () => ({ certSn: "", algorithm: ALGORITHM, value: "" }),
  verify: async () => {
    throw new SignerError(
      "signer 'none' cannot verify signatures: configure an http signer for a platform with a certificate",
      false,
    );
  },
};

const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

export class HttpSigner implements Signer {
  readonly kind = "http" as const;
  constructor(
    private readonly c: Extract<SignerConfig, { kind: "http" }>,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  private async call(op: "sign" | "verify", body: Record<string, unknown>): Promise<Record<string, unknown>> {
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.c.url.replace(/\/+$/, "")}/${op}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (e) {
      throw new SignerError(`signing service unreachable: ${(e as Error).message}`, true);
    }
    const text = await res.text();
    if (!res.ok)
      throw new SignerError(
        `signing service answered ${res.status} to /${op}: ${text.slice(0, 200)}`,
        res.status >= 500 || res.status === 429,
      );
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new SignerError(`signing service answered /${op} with something other than JSON`, true);
    }
  }

  async sign(data: Uint8Array): Promise<SignatureFields> {
    const r = await this.call("sign", { data: b64(data), ...(this.c.certSn ? { certSn: this.c.certSn } : {}) });
    if (typeof r.signature !== "string" || r.signature === "")
      throw new SignerError("signing service returned no signature", true);
    return {
      value: r.signature,
      certSn: typeof r.certSn === "string" ? r.certSn : (this.c.certSn ?? ""),
      algorithm: typeof r.algorithm === "string" ? r.algorithm : ALGORITHM,
    };
  }

  async verify(data: Uint8Array, s: SignatureFields, certificate: string): Promise<boolean> {
    const r = await this.call("verify", {
      data: b64(data),
      signature: s.value,
      certSn: s.certSn,
      algorithm: s.algorithm,
      certificate,
    });
    return r.valid === true;
  }
}

export const signerFor = (c: SignerConfig, fetchImpl?: typeof fetch): Signer =>
  c.kind === "http" ? new HttpSigner(c, fetchImpl) : noneSigner;
