/**
 * The limits the thermal reference machine promises: no load starts at or above 82 °C, and work
 * resumes only at or below 75 °C. Other limits are allowed (a test, another machine), but then
 * the figures do not show that promise, and both the agent and the report say so.
 */
export const REFERENCE_BLOCK_CELSIUS = 82;
export const REFERENCE_RESUME_CELSIUS = 75;

/** A plain warning when the limits in force are not the reference ones; undefined when they are. */
export function limitsWarning(blockCelsius: number, resumeCelsius: number): string | undefined {
  if (blockCelsius === REFERENCE_BLOCK_CELSIUS && resumeCelsius === REFERENCE_RESUME_CELSIUS)
    return undefined;
  return `limits in force (block ${blockCelsius} °C / resume ${resumeCelsius} °C) differ from the reference ${REFERENCE_BLOCK_CELSIUS} / ${REFERENCE_RESUME_CELSIUS} °C: these figures do not show the reference protection`;
}
