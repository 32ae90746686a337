/**
 * Child-process side of `EngineProcess`: one chdb Session per process. chdb's Kafka engine only
 * works in the first Session a process opens (a second one fails with "Shutdown was called"), so
 * every ingestion engine of a rehearsal lives in its own process. Imports nothing but chdb.
 */
import { Session } from 'chdb';

interface OpenRequest { readonly op: 'open'; readonly id: number; readonly dataDir: string; readonly configFile: string; readonly env: Record<string, string> }
interface QueryRequest { readonly op: 'query'; readonly id: number; readonly sql: string; readonly format: string }
interface CloseRequest { readonly op: 'close'; readonly id: number }
type Request = OpenRequest | QueryRequest | CloseRequest;

let session: Session | undefined;

function reply(id: number, ok: boolean, result: string): void {
  process.send?.({ id, ok, result });
}

process.on('message', (raw: Request) => {
  try {
    switch (raw.op) {
      case 'open':
        // from_env values are read when the config loads, so the environment comes first.
        for (const [k, v] of Object.entries(raw.env)) process.env[k] = v;
        session = new Session(raw.dataDir, { connectionArgs: ['--config-file=' + raw.configFile] } as never);
        reply(raw.id, true, '');
        break;
      case 'query':
        if (session === undefined) throw new Error('engine not open');
        reply(raw.id, true, session.query(raw.sql, raw.format));
        break;
      case 'close':
        session?.close();
        session = undefined;
        reply(raw.id, true, '');
        // Let the reply flush, then leave: a closed chdb cannot host another Kafka engine.
        setTimeout(() => process.exit(0), 10);
        break;
    }
  } catch (e) {
    reply(raw.id, false, e instanceof Error ? e.message : String(e));
  }
});

process.on('disconnect', () => process.exit(0));
