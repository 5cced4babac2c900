/**
 * The target's own count of TCP connections: open now, the most open at once, accepted in total,
 * and refused by the connection-limit fault. The limit resets a connection as it arrives.
 */
import type { Socket } from 'node:net';

export interface ConnectionSnapshot {
  open: number;
  peak: number;
  total: number;
  refused: number;
  /** The limit of the max-open-connections fault, or null when off. */
  limit: number | null;
}

export class ConnectionCounts {
  private open = 0;
  private peak = 0;
  private total = 0;
  private refused = 0;

  /** Counts a new connection; resets it and returns false when `limit` (> 0) is already reached. */
  accept(socket: Socket, limit: number): boolean {
    if (limit > 0 && this.open >= limit) {
      this.refused++;
      socket.resetAndDestroy();
      return false;
    }
    this.open++;
    this.total++;
    this.peak = Math.max(this.peak, this.open);
    socket.once('close', () => this.open--);
    return true;
  }

  snapshot(limit: number): ConnectionSnapshot {
    return {
      open: this.open,
      peak: this.peak,
      total: this.total,
      refused: this.refused,
      limit: limit > 0 ? limit : null,
    };
  }
}
