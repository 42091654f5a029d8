// Information displays (显示屏): `show` commands through the device hub.
import { hubChannel } from "../hub-channel.js";

export const display = hubChannel("display");
