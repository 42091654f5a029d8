// Every channel, one line each. A kind of the vocabulary without a module here is a
// compile error, and so is a module registered under another kind's name.
import type { ChannelKind } from "../src/domain/vocabulary.js";
import type { ChannelModule } from "./contract.js";
import { display } from "./display/index.js";
import { eb } from "./eb/index.js";
import { email } from "./email/index.js";
import { loudspeaker } from "./loudspeaker/index.js";
import { sms } from "./sms/index.js";

export const channelModules = { sms, loudspeaker, display, email, eb } satisfies {
  [K in ChannelKind]: ChannelModule<K>;
};
