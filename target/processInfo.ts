/**
 * Which process a target is, and, under the supervisor, how many times it has been started and how
 * the previous one ended: what a restart case reads to know a restart really happened.
 */
import { z } from 'zod';

export const exitRecordSchema = z
  .object({
    code: z.number().int().nullable(),
    signal: z.string().max(32).nullable(),
    at: z.number().int().min(0),
    /** The target asked to be restarted (POST /admin/restart-process), rather than crashing. */
    requested: z.boolean(),
  })
  .strict();
export type ExitRecord = z.infer<typeof exitRecordSchema>;

export const supervisionSchema = z
  .object({
    supervisorPid: z.number().int().min(1),
    /** Starts of the target process under this supervisor, this one included. */
    starts: z.number().int().min(1),
    lastExit: exitRecordSchema.nullable(),
  })
  .strict();
export type Supervision = z.infer<typeof supervisionSchema>;

export interface ProcessInfo {
  pid: number;
  startedAt: number;
  supervised: boolean;
  processStarts: number;
  supervisorPid: number | null;
  lastExit: ExitRecord | null;
}

export function processInfo(supervision: Supervision | undefined): ProcessInfo {
  return {
    pid: process.pid,
    startedAt: Date.now(),
    supervised: supervision !== undefined,
    processStarts: supervision?.starts ?? 1,
    supervisorPid: supervision?.supervisorPid ?? null,
    lastExit: supervision?.lastExit ?? null,
  };
}

/** Exit code of a restart the target asked for, so the supervisor can tell it from a crash. */
export const RESTART_EXIT_CODE = 75;

/** The environment variable that carries a supervised child's options and supervision facts (JSON). */
export const CHILD_ENV = 'STAMPEDE_TARGET_CHILD';
