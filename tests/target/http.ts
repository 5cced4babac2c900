/** A small JSON client for the target tests, on its own undici Agent so each file closes its sockets. */
import { Agent, request } from "undici";

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed body when it is JSON; tests read fields off it freely. */
  json: any;
}

export interface RawBody {
  body: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

export class TargetClient {
  private readonly agent = new Agent({ connections: 512, keepAliveTimeout: 1000 });

  constructor(readonly baseUrl: string) {}

  get(path: string): Promise<Answer> {
    return this.send("GET", path);
  }

  delete(path: string): Promise<Answer> {
    return this.send("DELETE", path);
  }

  post(path: string, body?: unknown): Promise<Answer> {
    return body === undefined
      ? this.send("POST", path)
      : this.send("POST", path, { body: JSON.stringify(body), contentType: "application/json" });
  }

  async send(method: "GET" | "POST" | "DELETE" | "PUT", path: string, raw?: RawBody): Promise<Answer> {
    const headers: Record<string, string> = { ...raw?.headers };
    if (raw?.contentType) headers["content-type"] = raw.contentType;
    const response = await request(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: raw?.body,
      dispatcher: this.agent,
    });
    const text = await response.body.text();
    const isJson = String(response.headers["content-type"] ?? "").startsWith("application/json");
    return { status: response.statusCode, headers: response.headers, text, json: isJson ? JSON.parse(text) : undefined };
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
