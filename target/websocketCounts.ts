/** The target's own count of WebSocket connections and messages, reported in /admin/stats. */
export interface WebSocketSnapshot {
  open: number;
  peak: number;
  total: number;
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Chat rooms with at least one member. */
  rooms: number;
  /** Broadcasts skipped for a member whose send buffer was full. */
  dropped: number;
}

export class WebSocketCounts {
  private readonly counts: Omit<WebSocketSnapshot, 'rooms'> = {
    open: 0,
    peak: 0,
    total: 0,
    messagesIn: 0,
    messagesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    dropped: 0,
  };
  rooms = 0;

  opened(): void {
    this.counts.open++;
    this.counts.total++;
    this.counts.peak = Math.max(this.counts.peak, this.counts.open);
  }

  closed(): void {
    this.counts.open--;
  }

  received(bytes: number): void {
    this.counts.messagesIn++;
    this.counts.bytesIn += bytes;
  }

  sent(bytes: number): void {
    this.counts.messagesOut++;
    this.counts.bytesOut += bytes;
  }

  droppedOne(): void {
    this.counts.dropped++;
  }

  snapshot(): WebSocketSnapshot {
    return { ...this.counts, rooms: this.rooms };
  }
}
