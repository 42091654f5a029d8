// What a county platform is configured with: its vendor's dialect of GD/J 082/083 and how
// our packages to it are signed. Vendors disagree on a few element names and forms
// (shared/EB-PLATFORM.md, "Variants"), so each is an option per platform.
import { z } from "zod";

/** GD/J 080 resource code: 18 digits. */
export const EBRID = z.string().regex(/^\d{18}$/, "an EBRID is 18 digits");

export const LANGUAGE_CODE_FORMS = ["alpha3b", "alpha3t", "alpha2"] as const;
export type LanguageCodeForm = (typeof LANGUAGE_CODE_FORMS)[number];

export const vendorOptionsSchema = z.strictObject({
  /** `SendTime` (GD/J 082 text, comtom) or `SentTime` (LiShui and other C# clients). */
  sendTimeElement: z.enum(["SendTime", "SentTime"]).default("SendTime"),
  /** The element a platform reports coverage in: a rate (0–1, some send 0–100) or a percentage. */
  coverageElement: z.enum(["CoverageRate", "CoveragePercent"]).default("CoverageRate"),
  /** GB/T 4880.2 bibliographic `chi`/`mon`, terminology `zho`/`mon`, or ISO 639-1 `zh`/`mn`. */
  languageCodeForm: z.enum(LANGUAGE_CODE_FORMS).default("alpha3b"),
  /** How a cancel names the broadcast it stops: `RelatedEBM/EBMID` or `RelatedInfo/EBMID`. */
  relatedElement: z.enum(["RelatedEBM", "RelatedInfo"]).default("RelatedEBM"),
  /** Tar member order; some receivers read the first member as the data. */
  memberOrder: z.enum(["data-first", "signature-first"]).default("data-first"),
  /** The language the platform's text-to-speech reads. */
  language: z.enum(["zh", "mn"]).default("zh"),
  timeoutMs: z.number().int().min(1000).max(120_000).default(30_000),
});
export type VendorOptions = z.output<typeof vendorOptionsSchema>;
export const defaultVendorOptions: VendorOptions = vendorOptionsSchema.parse({});

export const signerConfigSchema = z.discriminatedUnion("kind", [
  /** Test platforms with verification switched off: an empty signature file. */
  z.strictObject({ kind: z.literal("none") }),
  /** An external SM2/SM3 signing service holding our broadcast-PKI certificate (README). */
  z.strictObject({
    kind: z.literal("http"),
    url: z.url().refine((u) => /^https?:\/\//.test(u), "http(s) URL"),
    /** Serial of the certificate the service signs with, when it holds several. */
    certSn: z.string().trim().min(1).max(64).optional(),
  }),
]);
export type SignerConfig = z.output<typeof signerConfigSchema>;
