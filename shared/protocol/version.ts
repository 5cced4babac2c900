/**
 * The bus protocol's version: agents and coordinators of different versions refuse each other by
 * name. 2: custom suites, transport, named histograms, generator health, progress histograms,
 * thermal causes and request checks.
 */
export const PROTOCOL_VERSION = 2;
