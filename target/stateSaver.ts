/** Coalesces state changes into at most one write per interval, and never two writes at once. */
import { writeStateFile } from './stateFile.js';

const SAVE_DELAY_MS = 200;

export interface SaveRecord {
  at: number;
  bytes: number;
}

export class StateSaver {
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;
  private suspended = false;
  private last: SaveRecord | null = null;

  constructor(
    private readonly file: string,
    private readonly snapshot: () => unknown,
    private readonly log: (line: string) => void,
  ) {}

  get lastSave(): SaveRecord | null {
    return this.last;
  }

  get pending(): boolean {
    return this.dirty;
  }

  markDirty(): void {
    if (this.suspended) return;
    this.dirty = true;
    this.timer ??= setTimeout(() => void this.flush(), SAVE_DELAY_MS);
  }

  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.writing = this.writing.then(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      try {
        const bytes = await writeStateFile(this.file, this.snapshot());
        this.last = { at: Date.now(), bytes };
      } catch (error) {
        this.dirty = true;
        this.log(
          `stampede-target: warning: could not save state to ${this.file}: ${(error as Error).message}`,
        );
      }
    });
    return this.writing;
  }

  /** Saves what is pending, then ignores changes until resume(): the state is being replaced. */
  async suspend(): Promise<void> {
    await this.flush();
    this.suspended = true;
  }

  resume(): void {
    this.suspended = false;
  }
}
