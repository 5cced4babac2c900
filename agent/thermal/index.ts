export type { Sensor, SensorKind } from './sensor.js';
export { HwmonSensor } from './hwmon.js';
export { ThermalZoneSensor } from './thermalZone.js';
export { SystemInformationSensor } from './systemInformation.js';
export { ScriptSensor, compileTemperaturePattern, type ScriptSensorOptions } from './script.js';
export { FileSensor } from './fileSensor.js';
export { ScriptedSensor, parseScriptedCurve, type CurvePoint, type ScriptedCurve } from './scripted.js';
export {
  NoSensorError,
  parseThermalSource,
  selectSensor,
  type SelectSensorOptions,
  type SensorAttempt,
  type ThermalSource,
} from './selectSensor.js';
export {
  DEFAULT_THERMAL_LIMITS_FILE,
  ThermalLimitsError,
  loadThermalLimits,
  parseThermalLimits,
  saneReadingProblem,
  throttlePermille,
  type SaneRange,
  type ThermalLimits,
} from './limits.js';
export {
  ThermalGovernor,
  type ThermalEvent,
  type ThermalEventKind,
  type BlockCause,
  type ThermalGovernorEvents,
  type ThermalGovernorOptions,
  type GovernorState,
  type ThermalSample,
} from './governor.js';
export { DownsampledTimeline } from './timeline.js';
