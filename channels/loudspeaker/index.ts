// Village loudspeakers (应急广播大喇叭): `play` commands through the device hub.
import { hubChannel } from "../hub-channel.js";

export const loudspeaker = hubChannel("loudspeaker");
