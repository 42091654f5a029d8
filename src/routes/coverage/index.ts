import summary from "./summary.js";
import ack from "../deliveries/ack.js";

export const coverageOperations = [summary, ack];
