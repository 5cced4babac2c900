import { execFile, type ExecFileException } from 'node:child_process';
import { errorMessage, type Sensor } from './sensor.js';

/** How to run a site status command and find the temperature in what it prints. */
export interface ScriptSensorOptions {
  /** Executable, e.g. `/usr/local/sbin/performance_manager.sh`, or `sudo` when the script needs root. */
  command: string;
  /** Arguments, e.g. `['status']` or `['-n', '/usr/local/sbin/performance_manager.sh', 'status']`. */
  args: readonly string[];
  /** From compileTemperaturePattern(): its first group captures degrees Celsius. */
  pattern: RegExp;
  /** The command is killed and the read fails after this long. */
  timeoutMs: number;
}

/** Output beyond this is not a status report; execFile fails the read instead of buffering it. */
const MAX_OUTPUT_BYTES = 256 * 1024;

/**
 * Compiles a configured temperature pattern. It is matched against the whole output, line by line
 * (`m`), case-insensitively (`i`), every match counted (`g`); the first capture group must hold
 * the number. Throws when the pattern does not compile or has no capture group.
 */
export function compileTemperaturePattern(source: string): RegExp {
  const pattern = new RegExp(source, 'gim');
  // An empty alternative always matches, and its match array has one slot per group.
  const groups = new RegExp(`(?:${source})|`).exec('')!.length - 1;
  if (groups < 1)
    throw new Error(`pattern /${source}/ needs a capture group around the number, e.g. (\\d+(?:\\.\\d+)?)`);
  return pattern;
}

/**
 * Runs a site status command, such as the reference machine's `performance_manager.sh status`,
 * and reports the hottest temperature its output carries. No shell is involved: arguments are
 * passed as they are. A non-zero exit, a timeout or output without a match fails the read.
 */
export class ScriptSensor implements Sensor {
  readonly kind = 'script';
  readonly real = true;
  private readonly running = new Set<AbortController>();

  constructor(private readonly options: ScriptSensorOptions) {}

  describe(): string {
    return `script "${this.commandLine()}" (°C from /${this.options.pattern.source}/)`;
  }

  async read(): Promise<number> {
    const output = await this.run();
    const values = [...output.matchAll(this.options.pattern)]
      .map((match) => Number(match[1]))
      .filter(Number.isFinite);
    if (values.length === 0) {
      const start = output.trim().split('\n').slice(0, 3).join(' | ').slice(0, 160);
      throw new Error(
        `"${this.commandLine()}" printed no temperature matching /${this.options.pattern.source}/ (output began: "${start}")`,
      );
    }
    return Math.max(...values);
  }

  close(): void {
    for (const controller of this.running) controller.abort();
  }

  private run(): Promise<string> {
    const controller = new AbortController();
    this.running.add(controller);
    const { command, args, timeoutMs } = this.options;
    return new Promise<string>((resolve, reject) => {
      execFile(
        command,
        args,
        { encoding: 'utf8', timeout: timeoutMs, maxBuffer: MAX_OUTPUT_BYTES, signal: controller.signal },
        (err, stdout, stderr) => {
          this.running.delete(controller);
          if (err) reject(new Error(`"${this.commandLine()}" ${describeFailure(err, stderr, timeoutMs)}`));
          else resolve(stdout);
        },
      );
    });
  }

  private commandLine(): string {
    return [this.options.command, ...this.options.args].join(' ');
  }
}

function describeFailure(err: ExecFileException, stderr: string, timeoutMs: number): string {
  const detail = stderr.trim().split('\n')[0]?.slice(0, 160);
  const suffix = detail ? `: ${detail}` : '';
  if (err.name === 'AbortError') return 'was stopped because the sensor was closed';
  if (err.code === 'ENOENT') return 'was not found';
  if (err.code === 'EACCES') return 'is not executable';
  if (err.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return `printed more than ${MAX_OUTPUT_BYTES} bytes`;
  if (err.killed && err.signal) return `gave no answer within ${timeoutMs} ms and was killed (${err.signal})`;
  if (typeof err.code === 'number') return `exited with code ${err.code}${suffix}`;
  return `failed: ${errorMessage(err)}`;
}
