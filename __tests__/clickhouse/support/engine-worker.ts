/**
 * Child-process side of `EngineProcess`: opens one ClickHouseEngine with the files and
 * environment of the first request, then answers queries until stdin closes. Run as
 * `node -r ts-node/register/transpile-only engine-worker.ts`.
 */
import * as readline from 'readline';
import { ClickHouseEngine } from '../../support/clickhouse-engine';
import { EngineRequest, EngineResponse, RESPONSE_PREFIX } from './engine-process';

let engine: ClickHouseEngine | undefined;

function answer(response: EngineResponse): void {
  process.stdout.write(RESPONSE_PREFIX + JSON.stringify(response) + '\n');
}

function handle(request: EngineRequest): EngineResponse {
  try {
    switch (request.op) {
      case 'open':
        engine = ClickHouseEngine.open(request.files, request.env);
        return { id: request.id };
      case 'rows':
        return { id: request.id, rows: engine!.rows(request.sql) };
      case 'value':
        return { id: request.id, value: engine!.value(request.sql) };
      case 'exec':
        engine!.exec(request.sql);
        return { id: request.id };
    }
  } catch (e) {
    return { id: request.id, error: (e as Error).message };
  }
}

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => answer(handle(JSON.parse(line) as EngineRequest)));
lines.on('close', () => {
  engine?.close();
  process.exit(0);
});
