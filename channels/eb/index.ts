// The eb channel's module: county emergency-broadcast platforms (DESIGN §12). Platforms are
// registered through the API; our own EBRID is configuration, and without it the channel
// is off (eb deliveries fail saying so).
import { z } from "zod";
import { defineChannel } from "../contract.js";
import { EbChannel } from "./eb-channel.js";

const configSchema = z.object({
  resourceCode: z
    .string()
    .regex(/^\d{18}$/, "an EBRID is 18 digits")
    .optional(),
});

export const eb = defineChannel({
  kind: "eb",
  configSchema,
  settings: ({ services }) => ({ resourceCode: services.config.ebResourceCode }),
  create: (c, { services }) => {
    const channel = new EbChannel({
      db: services.db,
      resourceCode: c.resourceCode,
      grading: services.grading,
      now: services.now,
    });
    const banner = c.resourceCode
      ? `county broadcast platforms (eb): our EBRID ${c.resourceCode}; platforms push to ${services.config.publicUrl}/eb/access`
      : "county broadcast platforms (eb): OFF (no EB_RESOURCE_CODE); eb deliveries fail saying so";
    return { channel, banner };
  },
});
