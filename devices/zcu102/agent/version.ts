/** The board agent's version, reported by hello. */
export const AGENT_VERSION = '0.1.0';
