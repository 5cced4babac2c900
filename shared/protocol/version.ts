/**
 * The bus protocol's version: agents and coordinators of different versions refuse each other by
 * name. 2: custom suites, transport, named histograms, generator health, progress histograms,
 * thermal causes and request checks. 3: shards placed on one agent's work consumer, its weight
 * announced, and attempts numbered past the deliveries of the agents a shard moved from.
 */
export const PROTOCOL_VERSION = 3;
