import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Session } from 'chdb';

/** A rendered file to place under the engine's config folder, e.g. `config.d/remote_servers.xml`. */
export interface ConfigFile {
  readonly path: string;
  readonly content: string;
}

/**
 * A real ClickHouse (chdb, in-process) loaded with rendered config files, as a server would load
 * them: a main config beside `config.d/` and `users.d/`. chdb allows one open Session per process,
 * so callers must `close()` before the next engine opens.
 */
export class ClickHouseEngine {
  public static open(files: readonly ConfigFile[], env: Record<string, string> = {}): ClickHouseEngine {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chdb-'));
    const confDir = path.join(dir, 'etc');
    fs.mkdirSync(confDir, { recursive: true });
    for (const f of files) {
      const target = path.join(confDir, f.path);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, f.content);
    }
    const usersFile = path.join(confDir, 'users.xml');
    fs.writeFileSync(usersFile, BASE_USERS);
    const main = path.join(confDir, 'config.xml');
    fs.writeFileSync(main, mainConfig(usersFile, path.join(dir, 'data')));
    for (const [k, v] of Object.entries(env)) process.env[k] = v;
    const session = new Session(path.join(dir, 'data'), { connectionArgs: ['--config-file=' + main] } as never);
    return new ClickHouseEngine(session, dir);
  }

  private constructor(private readonly session: Session, public readonly dir: string) {}

  /** Rows as objects (JSONEachRow). */
  public rows<T = Record<string, unknown>>(sql: string): T[] {
    const out = this.session.query(sql, 'JSONEachRow');
    return out.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
  }

  /** One scalar value. */
  public value(sql: string): string {
    return this.session.query(sql, 'TSVRaw').replace(/\n$/, '');
  }

  public exec(sql: string): void {
    this.session.query(sql, 'TSV');
  }

  public close(): void {
    this.session.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

const BASE_USERS = `<clickhouse>
  <profiles><default/></profiles>
  <users>
    <default>
      <password/>
      <networks><ip>::/0</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
      <access_management>1</access_management>
      <named_collection_control>1</named_collection_control>
      <show_named_collections>1</show_named_collections>
      <show_named_collections_secrets>1</show_named_collections_secrets>
    </default>
  </users>
  <quotas><default/></quotas>
</clickhouse>
`;

function mainConfig(usersFile: string, dataDir: string): string {
  return `<clickhouse>
  <path>${dataDir}/</path>
  <users_config>${usersFile}</users_config>
  <logger><level>error</level><console>0</console></logger>
</clickhouse>
`;
}
